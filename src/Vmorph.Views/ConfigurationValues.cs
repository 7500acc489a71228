using System.Globalization;
using Vmorph.Configuration;

namespace Vmorph.Views;

/// <summary>
/// The values of a flattened configuration (<see cref="VmConfiguration.Flatten"/>) as people and scripts read them:
/// sizes and rates in human units in text (<c>memory.current: 7.97 GiB -> 8 GiB</c>), numbers as JSON numbers.
/// </summary>
public static class ConfigurationValues
{
    /// <summary>What a configuration path holds.</summary>
    public enum Unit
    {
        /// <summary>Text (a source path, a NIC model, a guest setting).</summary>
        Text,
        /// <summary>A plain number (vCPUs, microseconds, operations per second).</summary>
        Number,
        /// <summary>Bytes (memory, disk capacity).</summary>
        Bytes,
        /// <summary>Bytes per second (disk throughput limits).</summary>
        BytesPerSecond,
    }

    /// <summary>The unit of a canonical configuration path.</summary>
    public static Unit UnitOf(string path) => path switch
    {
        "memory.current" or "memory.maximum" => Unit.Bytes,
        "vcpus.current" or "vcpus.maximum" or "cpu.quota_us" or "cpu.period_us" => Unit.Number,
        _ when path.StartsWith("disk.", StringComparison.Ordinal) && path.EndsWith(".capacity", StringComparison.Ordinal) => Unit.Bytes,
        _ when path.StartsWith("disk.", StringComparison.Ordinal) && path.EndsWith("_bytes_sec", StringComparison.Ordinal) => Unit.BytesPerSecond,
        _ when path.StartsWith("disk.", StringComparison.Ordinal) && path.EndsWith("_iops_sec", StringComparison.Ordinal) => Unit.Number,
        _ => Unit.Text,
    };

    /// <summary>A value for people: <c>8 GiB</c>, <c>12.3 MiB/s</c>, <c>4</c>, or the text as it is; null is <c>(none)</c>.</summary>
    public static string Describe(string path, string? value) => Describe(path, value, decimals: 2);

    /// <summary>
    /// A change for people: <c>~ memory.current: 7.97 GiB -> 8 GiB</c>; with more decimals where two different values
    /// would otherwise read the same (<c>7.838 GiB -> 7.841 GiB</c>).
    /// </summary>
    public static string Describe(ConfigurationChange change)
    {
        string before = Describe(change.Path, change.Before), after = Describe(change.Path, change.After);
        for (var decimals = 3; before == after && change.Before != change.After && decimals <= 9; decimals++)
        {
            before = Describe(change.Path, change.Before, decimals);
            after = Describe(change.Path, change.After, decimals);
        }
        return $"{change.Kind} {change.Path}: {before} -> {after}";
    }

    private static string Describe(string path, string? value, int decimals)
    {
        if (value is null) return "(none)";
        if (Number(path, value) is not { } number) return value;
        return UnitOf(path) switch
        {
            Unit.Bytes when number >= 0 => Binary(number, "B", decimals),
            Unit.BytesPerSecond when number >= 0 => Binary(number, "B/s", decimals),
            _ => number.ToString("0.######", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// A quantity with a binary prefix: <c>7.97 GiB</c>, <c>12.3 MiB/s</c> (as <see cref="Units.MemorySize"/> and
    /// <see cref="Units.ByteRate"/> print, with up to <paramref name="decimals"/> decimals below 10 and one fewer above).
    /// </summary>
    public static string Binary(double value, string unit, int decimals = 2)
    {
        string[] prefixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
        var i = 0;
        while (value >= 1024 && i < prefixes.Length - 1)
        {
            value /= 1024;
            i++;
        }
        var places = value < 10 ? decimals : Math.Max(1, decimals - 1);
        return value.ToString("0." + new string('#', places), CultureInfo.InvariantCulture) + " " + prefixes[i] + unit;
    }

    /// <summary>A value for JSON: a number (integral where it is) for numeric paths, else the text; null stays null.</summary>
    public static object? Json(string path, string? value) => value is null
        ? null
        : Number(path, value) is not { } number
            ? value
            : number == Math.Floor(number) && Math.Abs(number) < 9e15 ? (object)(long)number : number;

    /// <summary>A flattened configuration for JSON.</summary>
    public static IReadOnlyDictionary<string, object?> Json(IReadOnlyDictionary<string, string> flattened) =>
        new SortedDictionary<string, object?>(flattened.ToDictionary(kv => kv.Key, kv => Json(kv.Key, kv.Value)), StringComparer.Ordinal);

    private static double? Number(string path, string value) =>
        UnitOf(path) != Unit.Text && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number
            : null;
}

/// <summary>A configuration change in JSON output: numeric values are JSON numbers; <c>kind</c> is <c>+</c>, <c>-</c> or <c>~</c>.</summary>
public sealed record ConfigurationChangeJson(string Path, object? Before, object? After, string Kind)
{
    /// <summary>From a change.</summary>
    public static ConfigurationChangeJson From(ConfigurationChange c) =>
        new(c.Path, ConfigurationValues.Json(c.Path, c.Before), ConfigurationValues.Json(c.Path, c.After), c.Kind.ToString());
}
