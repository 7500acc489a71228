using System.Buffers.Binary;
using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.Profiles;

/// <summary>
/// The raw window: the latest <see cref="Capacity"/> samples of a VM, kept as they were measured for plots and
/// forecasts. Bounded: once full, each newer sample pushes out the oldest. It keeps the newest samples by time, so it
/// ends the same whatever order samples arrive in. Stored beside the profile, not inside it.
/// </summary>
public sealed class RecentSamples
{
    /// <summary>The default capacity: one week at a five-minute interval.</summary>
    public const int DefaultCapacity = 2016;

    private const int FirstFormatRecordBytes = 8 + 4 * Metrics.Count + 4 + 4;
    private const int RecordBytes = FirstFormatRecordBytes + 4;

    // A sample appended on its own keeps its full precision (the metrics, the CPU and memory allocated, the CPU demand
    // as doubles): a profile not yet saved folds it again on loading, and must come out as it would have been.
    private const int ExactRecordBytes = 8 + 8 * (Metrics.Count + 3);

    // Marks the format with the CPU demand; the first format began with the capacity, which is never negative.
    private const int WithDemandFormat = -2;
    private readonly List<MetricSample> samples;

    /// <summary>Creates an empty window.</summary>
    public RecentSamples(int capacity = DefaultCapacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The window must hold at least one sample.");
        Capacity = capacity;
        // Grows as samples arrive: a server holds one window per VM, and a full one is 2016 samples of 104 bytes.
        samples = [];
    }

    /// <summary>The most samples kept.</summary>
    public int Capacity { get; }

    /// <summary>The samples, oldest first.</summary>
    public IReadOnlyList<MetricSample> Samples => samples;

    /// <summary>Adds samples (any order); keeps the newest <see cref="Capacity"/> by time.</summary>
    public void AddRange(IEnumerable<MetricSample> newer)
    {
        var inOrder = true;
        foreach (var sample in newer)
        {
            if (samples.Count > 0 && sample.UnixSeconds < samples[^1].UnixSeconds) inOrder = false;
            samples.Add(sample);
        }
        if (!inOrder) samples.Sort((a, b) => a.UnixSeconds.CompareTo(b.UnixSeconds));
        if (samples.Count > Capacity) samples.RemoveRange(0, samples.Count - Capacity);
    }

    /// <summary>Drops all but the newest <paramref name="count"/> samples.</summary>
    public void KeepNewest(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (samples.Count > count) samples.RemoveRange(0, samples.Count - count);
        // A window cut down to its newest few (a grain's, between saves) gives back the room it grew: it keeps at most
        // twice what it holds, so that adding one and cutting back again allocates nothing.
        if (samples.Capacity > 2 * Math.Max(count, 1)) samples.Capacity = Math.Max(count, 1);
    }

    /// <summary>
    /// Encodes the window compactly (timestamps as longs, measurements as floats, NaN for absent): a format marker, the
    /// capacity, then one record per sample (the metrics, the CPU and memory allocated, the CPU demand).
    /// </summary>
    public byte[] Encode()
    {
        var bytes = new byte[8 + samples.Count * RecordBytes];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, WithDemandFormat);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), Capacity);
        var span = bytes.AsSpan(8);
        foreach (var s in samples)
        {
            WriteRecord(span, s);
            span = span[RecordBytes..];
        }
        return bytes;
    }

    /// <summary>
    /// Encodes one sample exactly (every value at full precision): what the store appends between rewrites of the
    /// window, and what a profile saved before the sample folds again when it is loaded.
    /// </summary>
    public static byte[] EncodeSample(in MetricSample sample)
    {
        var bytes = new byte[ExactRecordBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, sample.UnixSeconds);
        var span = bytes.AsSpan(8);
        for (var m = 0; m < Metrics.Count; m++) BinaryPrimitives.WriteDoubleLittleEndian(span[(8 * m)..], sample[(Metric)m]);
        BinaryPrimitives.WriteDoubleLittleEndian(span[(8 * Metrics.Count)..], sample.CpuAllocated?.Value ?? double.NaN);
        BinaryPrimitives.WriteDoubleLittleEndian(span[(8 * Metrics.Count + 8)..], sample.MemoryAllocated?.Bytes ?? double.NaN);
        BinaryPrimitives.WriteDoubleLittleEndian(span[(8 * Metrics.Count + 16)..], sample.CpuDemand?.Value ?? double.NaN);
        return bytes;
    }

    /// <summary>
    /// Decodes a record written by <see cref="EncodeSample"/>, or one of <see cref="Encode"/>'s records (what
    /// <see cref="EncodeSample"/> wrote before it kept full precision).
    /// </summary>
    public static MetricSample DecodeSample(ReadOnlySpan<byte> record)
    {
        if (record.Length == RecordBytes) return ReadRecord(record, withDemand: true);
        if (record.Length != ExactRecordBytes)
            throw new FormatException($"a raw window's sample takes {ExactRecordBytes} bytes (or {RecordBytes} in the older format), not {record.Length}");
        var values = new double[Metrics.Count + 3];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(record[(8 + 8 * i)..]);
        double Read(int index) => values[index];
        return new MetricSample(
            DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64LittleEndian(record)),
            cpu: Optional(Read((int)Metric.Cpu), v => new CpuCores(v)),
            cpuUtilisation: Optional(Read((int)Metric.CpuUtilisation), v => new Fraction(v)),
            cpuAllocated: Optional(Read(Metrics.Count), v => new CpuCores(v)),
            memory: Optional(Read((int)Metric.Memory), v => new MemorySize(v)),
            memoryUtilisation: Optional(Read((int)Metric.MemoryUtilisation), v => new Fraction(v)),
            memoryAllocated: Optional(Read(Metrics.Count + 1), v => new MemorySize(v)),
            diskRead: Optional(Read((int)Metric.DiskRead), v => new ByteRate(v)),
            diskWrite: Optional(Read((int)Metric.DiskWrite), v => new ByteRate(v)),
            networkReceive: Optional(Read((int)Metric.NetworkReceive), v => new ByteRate(v)),
            networkTransmit: Optional(Read((int)Metric.NetworkTransmit), v => new ByteRate(v)),
            cpuDemand: Optional(Read(Metrics.Count + 2), v => new CpuCores(v)));
    }

    private static void WriteRecord(Span<byte> span, in MetricSample s)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span, s.UnixSeconds);
        for (var m = 0; m < Metrics.Count; m++)
            BinaryPrimitives.WriteSingleLittleEndian(span[(8 + 4 * m)..], (float)s[(Metric)m]);
        BinaryPrimitives.WriteSingleLittleEndian(span[(8 + 4 * Metrics.Count)..], (float)(s.CpuAllocated?.Value ?? double.NaN));
        BinaryPrimitives.WriteSingleLittleEndian(span[(12 + 4 * Metrics.Count)..], (float)((s.MemoryAllocated?.Bytes ?? double.NaN) / MemorySize.MiB));
        BinaryPrimitives.WriteSingleLittleEndian(span[(16 + 4 * Metrics.Count)..], (float)(s.CpuDemand?.Value ?? double.NaN));
    }

    /// <summary>Decodes a window written by <see cref="Encode"/>, or by the first format (no marker, no CPU demand).</summary>
    public static RecentSamples Decode(ReadOnlySpan<byte> bytes)
    {
        var withDemand = bytes.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(bytes) == WithDemandFormat;
        var header = withDemand ? 8 : 4;
        var recordBytes = withDemand ? RecordBytes : FirstFormatRecordBytes;
        if (bytes.Length < header || (bytes.Length - header) % recordBytes != 0)
            throw new FormatException($"a raw window of {bytes.Length} bytes is not a whole number of {recordBytes}-byte samples");
        var window = new RecentSamples(BinaryPrimitives.ReadInt32LittleEndian(bytes[(header - 4)..]));
        var span = bytes[header..];
        var list = new List<MetricSample>(span.Length / recordBytes);
        while (!span.IsEmpty)
        {
            list.Add(ReadRecord(span[..recordBytes], withDemand));
            span = span[recordBytes..];
        }
        window.AddRange(list);
        return window;
    }

    private static MetricSample ReadRecord(ReadOnlySpan<byte> record, bool withDemand)
    {
        var values = new double[Metrics.Count];
        for (var m = 0; m < Metrics.Count; m++) values[m] = BinaryPrimitives.ReadSingleLittleEndian(record[(8 + 4 * m)..]);
        double Read(Metric metric) => values[(int)metric];
        var cpuAllocated = BinaryPrimitives.ReadSingleLittleEndian(record[(8 + 4 * Metrics.Count)..]);
        var memoryAllocatedMiB = BinaryPrimitives.ReadSingleLittleEndian(record[(12 + 4 * Metrics.Count)..]);
        var cpuDemand = withDemand ? BinaryPrimitives.ReadSingleLittleEndian(record[(16 + 4 * Metrics.Count)..]) : double.NaN;
        return new MetricSample(
            DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64LittleEndian(record)),
            cpu: Optional(Read(Metric.Cpu), v => new CpuCores(v)),
            cpuUtilisation: Optional(Read(Metric.CpuUtilisation), v => new Fraction(v)),
            cpuAllocated: Optional(cpuAllocated, v => new CpuCores(v)),
            memory: Optional(Read(Metric.Memory), v => new MemorySize(v)),
            memoryUtilisation: Optional(Read(Metric.MemoryUtilisation), v => new Fraction(v)),
            memoryAllocated: Optional(memoryAllocatedMiB, MemorySize.FromMiB),
            diskRead: Optional(Read(Metric.DiskRead), v => new ByteRate(v)),
            diskWrite: Optional(Read(Metric.DiskWrite), v => new ByteRate(v)),
            networkReceive: Optional(Read(Metric.NetworkReceive), v => new ByteRate(v)),
            networkTransmit: Optional(Read(Metric.NetworkTransmit), v => new ByteRate(v)),
            cpuDemand: Optional(cpuDemand, v => new CpuCores(v)));
    }

    private static T? Optional<T>(double value, Func<double, T> make) where T : struct =>
        double.IsNaN(value) ? null : make(Math.Max(0, value));
}
