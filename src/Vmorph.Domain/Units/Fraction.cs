using System.Globalization;
using System.Text.Json.Serialization;

namespace Vmorph.Units;

/// <summary>A share of something, from 0 to 1 (utilisation of an allocation, a normalised feature).</summary>
public readonly record struct Fraction : IComparable<Fraction>
{
    /// <summary>Creates a fraction; it must lie in [0, 1].</summary>
    [JsonConstructor]
    public Fraction(double value)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(nameof(value), value, "A fraction must lie between 0 and 1.");
        Value = value;
    }

    /// <summary>The fraction, 0 to 1.</summary>
    public double Value { get; }

    /// <summary>A fraction from a percentage, clamped into [0, 100] (traces report 100.4 % and -0.0 %).</summary>
    public static Fraction FromPercentClamped(double percent) => new(Math.Clamp(percent / 100.0, 0, 1));

    /// <summary>A fraction from any finite number, clamped into [0, 1].</summary>
    public static Fraction Clamped(double value) => new(double.IsNaN(value) ? 0 : Math.Clamp(value, 0, 1));

    /// <inheritdoc />
    public int CompareTo(Fraction other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public override string ToString() => (Value * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
