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

    private const int RecordBytes = 8 + 4 * Metrics.Count + 4 + 4;
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

    /// <summary>Encodes the window compactly (timestamps as longs, measurements as floats, NaN for absent).</summary>
    public byte[] Encode()
    {
        var bytes = new byte[4 + samples.Count * RecordBytes];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, Capacity);
        var span = bytes.AsSpan(4);
        foreach (var s in samples)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span, s.UnixSeconds);
            for (var m = 0; m < Metrics.Count; m++)
                BinaryPrimitives.WriteSingleLittleEndian(span[(8 + 4 * m)..], (float)s[(Metric)m]);
            BinaryPrimitives.WriteSingleLittleEndian(span[(8 + 4 * Metrics.Count)..], (float)(s.CpuAllocated?.Value ?? double.NaN));
            BinaryPrimitives.WriteSingleLittleEndian(span[(12 + 4 * Metrics.Count)..], (float)((s.MemoryAllocated?.Bytes ?? double.NaN) / MemorySize.MiB));
            span = span[RecordBytes..];
        }
        return bytes;
    }

    /// <summary>Decodes a window written by <see cref="Encode"/>.</summary>
    public static RecentSamples Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4 || (bytes.Length - 4) % RecordBytes != 0)
            throw new FormatException($"a raw window of {bytes.Length} bytes is not a whole number of {RecordBytes}-byte samples");
        var window = new RecentSamples(BinaryPrimitives.ReadInt32LittleEndian(bytes));
        var span = bytes[4..];
        var list = new List<MetricSample>(span.Length / RecordBytes);
        while (!span.IsEmpty)
        {
            var record = span[..RecordBytes];
            var values = new double[Metrics.Count];
            for (var m = 0; m < Metrics.Count; m++) values[m] = BinaryPrimitives.ReadSingleLittleEndian(record[(8 + 4 * m)..]);
            double Read(int metric) => values[metric];
            var cpuAllocated = BinaryPrimitives.ReadSingleLittleEndian(span[(8 + 4 * Metrics.Count)..]);
            var memoryAllocatedMiB = BinaryPrimitives.ReadSingleLittleEndian(span[(12 + 4 * Metrics.Count)..]);
            list.Add(new MetricSample(
                DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64LittleEndian(span)),
                cpu: Optional(Read((int)Metric.Cpu), v => new CpuCores(v)),
                cpuUtilisation: Optional(Read((int)Metric.CpuUtilisation), v => new Fraction(v)),
                cpuAllocated: Optional(cpuAllocated, v => new CpuCores(v)),
                memory: Optional(Read((int)Metric.Memory), v => new MemorySize(v)),
                memoryUtilisation: Optional(Read((int)Metric.MemoryUtilisation), v => new Fraction(v)),
                memoryAllocated: Optional(memoryAllocatedMiB, MemorySize.FromMiB),
                diskRead: Optional(Read((int)Metric.DiskRead), v => new ByteRate(v)),
                diskWrite: Optional(Read((int)Metric.DiskWrite), v => new ByteRate(v)),
                networkReceive: Optional(Read((int)Metric.NetworkReceive), v => new ByteRate(v)),
                networkTransmit: Optional(Read((int)Metric.NetworkTransmit), v => new ByteRate(v))));
            span = span[RecordBytes..];
        }
        window.AddRange(list);
        return window;
    }

    private static T? Optional<T>(double value, Func<double, T> make) where T : struct =>
        double.IsNaN(value) ? null : make(Math.Max(0, value));
}
