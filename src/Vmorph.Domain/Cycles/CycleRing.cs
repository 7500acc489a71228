using System.Buffers.Binary;

namespace Vmorph.Cycles;

/// <summary>
/// The mean of a value in each of the latest <see cref="Length"/> time bins of <see cref="BinSeconds"/> seconds: the raw
/// material of <see cref="CycleDetector"/>. Bins are keyed by time, so the ring holds the same bins whatever order
/// samples arrive in (up to the precision of a mean, below); a sample older than the ring's window is dropped, and a
/// newer one moves the window forward and empties the bins it passes.
/// </summary>
/// <remarks>
/// Compact, since every profile holds two rings: a bin keeps its mean as a half-precision float (11 significant bits,
/// about three decimal digits: the order samples arrive in changes a mean by a few units of that last place) and its
/// sample count in four bits while every bin's is under 16 (a VM sampled every five minutes has 2 a fine bin and 12 a
/// coarse one), in a byte from the first that is not: 2½ or 3 bytes a bin, allocated on the first sample. Past 255
/// samples a bin's mean becomes a moving
/// mean of its latest 255 or so. The detector reads the shape of the series, which this precision keeps.
/// </remarks>
public sealed class CycleRing
{
    private const int HeaderBytes = 8;
    private Half[]? mean;
    private BinCounts? count;

    /// <summary>Creates an empty ring of <paramref name="length"/> bins of <paramref name="binSeconds"/> seconds.</summary>
    public CycleRing(long binSeconds, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        BinSeconds = binSeconds;
        Length = length;
    }

    /// <summary>The width of a bin, in seconds.</summary>
    public long BinSeconds { get; }

    /// <summary>How many bins the ring holds.</summary>
    public int Length { get; }

    /// <summary>The newest bin that has ever had a sample (bins since the epoch), or null before the first sample.</summary>
    public long? NewestBin { get; private set; }

    /// <summary>Adds a value measured at a time.</summary>
    public void Add(long unixSeconds, double value)
    {
        if (!double.IsFinite(value)) return;
        var bin = Math.DivRem(unixSeconds, BinSeconds) is var (q, r) && r < 0 ? q - 1 : q;
        mean ??= new Half[Length];
        count ??= new BinCounts(Length);
        if (NewestBin is not { } newest) NewestBin = newest = bin;
        if (bin > newest)
        {
            for (var b = Math.Max(newest + 1, bin - Length + 1); b <= bin; b++)
            {
                var cleared = Slot(b);
                mean[cleared] = Half.Zero;
                count.Set(cleared, 0);
            }
            NewestBin = bin;
        }
        else if (bin <= newest - Length)
        {
            return;
        }
        var slot = Slot(bin);
        var n = Math.Min(count.Get(slot) + 1, byte.MaxValue);
        var before = (double)mean[slot];
        mean[slot] = (Half)(before + (value - before) / n);
        count.Set(slot, n);
    }

    /// <summary>The bin means, oldest first, NaN where a bin had no sample; empty before the first sample.</summary>
    public double[] Means()
    {
        if (NewestBin is not { } newest || mean is null || count is null) return [];
        var means = new double[Length];
        for (var i = 0; i < Length; i++)
        {
            var slot = Slot(newest - Length + 1 + i);
            means[i] = count.Get(slot) > 0 ? (double)mean[slot] : double.NaN;
        }
        return means;
    }

    /// <summary>
    /// Encodes the ring: the newest bin, every bin's mean (half-precision), then the counts as runs (a run's length as a
    /// variable-length integer, then the count), little-endian. A VM sampled regularly has a few runs.
    /// </summary>
    public byte[] Encode()
    {
        // Measured first, written second: one exact array, no growing list (every profile document carries two rings).
        var size = HeaderBytes + 2 * Length;
        for (var i = 0; i < Length;)
        {
            var run = RunAt(i);
            size += VarintBytes((uint)run) + 1;
            i += run;
        }
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, NewestBin ?? long.MinValue);
        var at = HeaderBytes;
        for (var i = 0; i < Length; i++, at += 2) BinaryPrimitives.WriteHalfLittleEndian(span[at..], mean?[i] ?? Half.Zero);
        for (var i = 0; i < Length;)
        {
            var run = RunAt(i);
            for (var rest = (uint)run; ; rest >>= 7)
            {
                if (rest < 0x80)
                {
                    bytes[at++] = (byte)rest;
                    break;
                }
                bytes[at++] = (byte)(rest | 0x80);
            }
            bytes[at++] = (byte)(count?.Get(i) ?? 0);
            i += run;
        }
        return bytes;
    }

    // How many bins from slot i on hold the same count.
    private int RunAt(int i)
    {
        if (count is null) return Length - i;
        var value = count.Get(i);
        var run = 1;
        while (i + run < Length && count.Get(i + run) == value) run++;
        return run;
    }

    private static int VarintBytes(uint value)
    {
        var bytes = 1;
        for (; value >= 0x80; value >>= 7) bytes++;
        return bytes;
    }

    /// <summary>
    /// Reads a ring written by <see cref="Encode"/> for the same bin width and length, from the front of
    /// <paramref name="bytes"/>; <paramref name="read"/> is how many bytes it took.
    /// </summary>
    public static CycleRing Decode(ReadOnlySpan<byte> bytes, long binSeconds, int length, out int read)
    {
        var ring = new CycleRing(binSeconds, length);
        var fixedBytes = HeaderBytes + 2 * length;
        if (bytes.Length < fixedBytes) throw new FormatException($"a cycle ring of {length} bins takes at least {fixedBytes} bytes, not {bytes.Length}");
        var newest = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        ring.NewestBin = newest == long.MinValue ? null : newest;
        ring.mean = new Half[length];
        ring.count = new BinCounts(length);
        for (var i = 0; i < length; i++) ring.mean[i] = BinaryPrimitives.ReadHalfLittleEndian(bytes[(HeaderBytes + 2 * i)..]);
        var at = fixedBytes;
        for (var i = 0; i < length;)
        {
            var run = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (at >= bytes.Length || shift > 28) throw new FormatException($"the bin counts of a cycle ring of {length} bins end early");
                var b = bytes[at++];
                run |= (b & 0x7F) << shift;
                if (b < 0x80) break;
            }
            if (at >= bytes.Length || run < 1 || run > length - i) throw new FormatException($"the bin counts of a cycle ring of {length} bins do not add up to {length}");
            var n = bytes[at++];
            for (var end = i + run; i < end; i++) ring.count.Set(i, n);
        }
        read = at;
        return ring;
    }

    /// <summary>
    /// Reads a ring in the first format (the newest bin, then every bin's sum as a float and count as a 16-bit integer),
    /// which stored profiles made before the compact one hold.
    /// </summary>
    public static CycleRing DecodeFirstFormat(ReadOnlySpan<byte> bytes, long binSeconds, int length)
    {
        if (bytes.Length != FirstFormatBytes(length))
            throw new FormatException($"a cycle ring of {length} bins takes {FirstFormatBytes(length)} bytes, not {bytes.Length}");
        var ring = new CycleRing(binSeconds, length);
        var newest = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        ring.NewestBin = newest == long.MinValue ? null : newest;
        ring.mean = new Half[length];
        ring.count = new BinCounts(length);
        for (var i = 0; i < length; i++)
        {
            var sum = BinaryPrimitives.ReadSingleLittleEndian(bytes[(HeaderBytes + 4 * i)..]);
            var n = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(HeaderBytes + 4 * length + 2 * i)..]);
            ring.mean[i] = n > 0 ? (Half)(sum / n) : Half.Zero;
            ring.count.Set(i, Math.Min((int)n, byte.MaxValue));
        }
        return ring;
    }

    /// <summary>The size of a ring of <paramref name="length"/> bins in the first format.</summary>
    public static int FirstFormatBytes(int length) => HeaderBytes + 6 * length;

    private int Slot(long bin) => (int)(((bin % Length) + Length) % Length);

    // The bins' sample counts (0 to 255): two to a byte while every count is under 16, a byte each from the first that is not.
    private sealed class BinCounts(int length)
    {
        private byte[] counts = new byte[(length + 1) / 2];
        private bool wide;

        public int Get(int slot) => wide ? counts[slot] : (counts[slot >> 1] >> (4 * (slot & 1))) & 0xF;

        public void Set(int slot, int n)
        {
            if (!wide && n > 0xF) Widen();
            if (wide)
            {
                counts[slot] = (byte)n;
                return;
            }
            var shift = 4 * (slot & 1);
            counts[slot >> 1] = (byte)((counts[slot >> 1] & ~(0xF << shift)) | (n << shift));
        }

        private void Widen()
        {
            var bytes = new byte[length];
            for (var i = 0; i < length; i++) bytes[i] = (byte)Get(i);
            counts = bytes;
            wide = true;
        }
    }
}
