using System.Buffers.Binary;

namespace Vmorph.Cycles;

/// <summary>
/// The mean of a value in each of the latest <see cref="Length"/> time bins of <see cref="BinSeconds"/> seconds: the raw
/// material of <see cref="CycleDetector"/>. Bins are keyed by time, so the ring holds the same bins whatever order
/// samples arrive in; a sample older than the ring's window is dropped, and a newer one moves the window forward and
/// empties the bins it passes. Fixed memory: 6 bytes a bin.
/// </summary>
public sealed class CycleRing
{
    private const int HeaderBytes = 8;
    private readonly float[] sum;
    private readonly ushort[] count;

    /// <summary>Creates an empty ring of <paramref name="length"/> bins of <paramref name="binSeconds"/> seconds.</summary>
    public CycleRing(long binSeconds, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        BinSeconds = binSeconds;
        sum = new float[length];
        count = new ushort[length];
    }

    /// <summary>The width of a bin, in seconds.</summary>
    public long BinSeconds { get; }

    /// <summary>How many bins the ring holds.</summary>
    public int Length => sum.Length;

    /// <summary>The newest bin that has ever had a sample (bins since the epoch), or null before the first sample.</summary>
    public long? NewestBin { get; private set; }

    /// <summary>Adds a value measured at a time.</summary>
    public void Add(long unixSeconds, double value)
    {
        if (!double.IsFinite(value)) return;
        var bin = Math.DivRem(unixSeconds, BinSeconds) is var (q, r) && r < 0 ? q - 1 : q;
        if (NewestBin is not { } newest) NewestBin = newest = bin;
        if (bin > newest)
        {
            for (var b = Math.Max(newest + 1, bin - Length + 1); b <= bin; b++)
            {
                var cleared = Slot(b);
                sum[cleared] = 0;
                count[cleared] = 0;
            }
            NewestBin = bin;
        }
        else if (bin <= newest - Length)
        {
            return;
        }
        var slot = Slot(bin);
        if (count[slot] == ushort.MaxValue) return;
        sum[slot] += (float)value;
        count[slot]++;
    }

    /// <summary>The bin means, oldest first, NaN where a bin had no sample; empty before the first sample.</summary>
    public double[] Means()
    {
        if (NewestBin is not { } newest) return [];
        var means = new double[Length];
        for (var i = 0; i < Length; i++)
        {
            var slot = Slot(newest - Length + 1 + i);
            means[i] = count[slot] > 0 ? sum[slot] / count[slot] : double.NaN;
        }
        return means;
    }

    /// <summary>Encodes the ring: the newest bin, then every bin's sum and count, little-endian.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[HeaderBytes + Length * 6];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, NewestBin ?? long.MinValue);
        for (var i = 0; i < Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(HeaderBytes + 4 * i), sum[i]);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(HeaderBytes + 4 * Length + 2 * i), count[i]);
        }
        return bytes;
    }

    /// <summary>Reads a ring written by <see cref="Encode"/> for the same bin width and length.</summary>
    public static CycleRing Decode(ReadOnlySpan<byte> bytes, long binSeconds, int length)
    {
        if (bytes.Length != HeaderBytes + length * 6)
            throw new FormatException($"a cycle ring of {length} bins takes {HeaderBytes + length * 6} bytes, not {bytes.Length}");
        var ring = new CycleRing(binSeconds, length);
        var newest = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        ring.NewestBin = newest == long.MinValue ? null : newest;
        for (var i = 0; i < length; i++)
        {
            ring.sum[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(HeaderBytes + 4 * i)..]);
            ring.count[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(HeaderBytes + 4 * length + 2 * i)..]);
        }
        return ring;
    }

    private int Slot(long bin) => (int)(((bin % Length) + Length) % Length);
}
