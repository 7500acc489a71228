using System.Text.Json.Serialization;

namespace Vmorph.Units;

/// <summary>A throughput in bytes per second (disk or network).</summary>
public readonly record struct ByteRate : IComparable<ByteRate>
{
    /// <summary>Creates a rate; it must be finite and not negative.</summary>
    [JsonConstructor]
    public ByteRate(double bytesPerSecond)
    {
        if (!double.IsFinite(bytesPerSecond) || bytesPerSecond < 0)
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "A byte rate must be a finite, non-negative number of bytes per second.");
        BytesPerSecond = bytesPerSecond;
    }

    /// <summary>The rate in bytes per second.</summary>
    public double BytesPerSecond { get; }

    /// <summary>A rate given in KiB/s, the unit most traces use.</summary>
    public static ByteRate FromKiBPerSecond(double kibPerSecond) => new(kibPerSecond * MemorySize.KiB);

    /// <inheritdoc />
    public int CompareTo(ByteRate other) => BytesPerSecond.CompareTo(other.BytesPerSecond);

    /// <inheritdoc />
    public override string ToString() => MemorySize.Format(BytesPerSecond, "B/s");
}
