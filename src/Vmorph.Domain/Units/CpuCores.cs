using System.Globalization;
using System.Text.Json.Serialization;

namespace Vmorph.Units;

/// <summary>An amount of CPU in cores (1.0 = one fully used core or vCPU).</summary>
public readonly record struct CpuCores : IComparable<CpuCores>
{
    /// <summary>Creates an amount of CPU; it must be finite and not negative.</summary>
    [JsonConstructor]
    public CpuCores(double value)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(nameof(value), value, "CPU cores must be a finite, non-negative number.");
        Value = value;
    }

    /// <summary>The number of cores.</summary>
    public double Value { get; }

    /// <inheritdoc />
    public int CompareTo(CpuCores other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public override string ToString() => Value.ToString(Value < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + " cores";
}
