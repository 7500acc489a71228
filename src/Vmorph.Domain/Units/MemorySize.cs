using System.Globalization;
using System.Text.Json.Serialization;

namespace Vmorph.Units;

/// <summary>An amount of memory or storage in bytes.</summary>
public readonly record struct MemorySize : IComparable<MemorySize>
{
    /// <summary>One kibibyte in bytes.</summary>
    public const double KiB = 1024;
    /// <summary>One mebibyte in bytes.</summary>
    public const double MiB = 1024 * KiB;
    /// <summary>One gibibyte in bytes.</summary>
    public const double GiB = 1024 * MiB;
    /// <summary>One tebibyte in bytes.</summary>
    public const double TiB = 1024 * GiB;

    /// <summary>Creates a size; it must be finite and not negative.</summary>
    [JsonConstructor]
    public MemorySize(double bytes)
    {
        if (!double.IsFinite(bytes) || bytes < 0)
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "A memory size must be a finite, non-negative number of bytes.");
        Bytes = bytes;
    }

    /// <summary>The size in bytes.</summary>
    public double Bytes { get; }

    /// <summary>The size in mebibytes.</summary>
    public double Mebibytes => Bytes / MiB;

    /// <summary>A size given in kibibytes.</summary>
    public static MemorySize FromKiB(double kib) => new(kib * KiB);

    /// <summary>A size given in mebibytes.</summary>
    public static MemorySize FromMiB(double mib) => new(mib * MiB);

    /// <summary>A size given in gibibytes.</summary>
    public static MemorySize FromGiB(double gib) => new(gib * GiB);

    /// <inheritdoc />
    public int CompareTo(MemorySize other) => Bytes.CompareTo(other.Bytes);

    /// <inheritdoc />
    public override string ToString() => Format(Bytes, "B");

    internal static string Format(double value, string unit)
    {
        string[] prefixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
        var i = 0;
        while (value >= 1024 && i < prefixes.Length - 1)
        {
            value /= 1024;
            i++;
        }
        return value.ToString(value < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + " " + prefixes[i] + unit;
    }
}
