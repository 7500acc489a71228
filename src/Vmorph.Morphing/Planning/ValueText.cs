using System.Globalization;
using Vmorph.Units;

namespace Vmorph.Planning;

/// <summary>Formats canonical configuration values for people, by path: sizes in binary units, rates per second.</summary>
public static class ValueText
{
    /// <summary>The value at a canonical path as people read it (<c>memory.current</c> 268435456 → <c>256 MiB</c>); null is <c>(none)</c>.</summary>
    public static string Format(string path, string? value)
    {
        if (value is null) return "(none)";
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number) || number < 0) return value;
        if (path is "memory.current" or "memory.maximum" || path.EndsWith(".capacity", StringComparison.Ordinal)) return new MemorySize(number).ToString();
        if (path.EndsWith("_bytes_sec", StringComparison.Ordinal)) return new ByteRate(number).ToString();
        if (path is "cpu.quota_us" or "cpu.period_us") return value + " µs";
        return value;
    }

    /// <summary>The path as the plan shows it: without the <c>guest.</c> prefix (<c>package.nginx</c>).</summary>
    public static string Display(string path) => path.StartsWith("guest.", StringComparison.Ordinal) ? path["guest.".Length..] : path;
}
