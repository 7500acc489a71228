using System.Globalization;
using System.Text.RegularExpressions;

namespace Vmorph.Policies;

/// <summary>Parsers of the scalar values a policy file holds: durations, sizes, shares, numbers.</summary>
public static partial class ValueParsers
{
    /// <summary>
    /// A duration: one or more number-unit pairs, units <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>, <c>w</c>
    /// (<c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>).
    /// </summary>
    public static bool TryDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        var matches = DurationPart().Matches(s);
        if (matches.Count == 0 || matches.Sum(m => m.Length) != s.Length) return false;
        var seconds = 0.0;
        foreach (Match m in matches)
        {
            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            seconds += value * m.Groups[2].Value switch
            {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86400,
                _ => 7 * 86400,
            };
        }
        if (!double.IsFinite(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>The most cores a policy may name (schedules and bounds): more is a typo, and would overflow sums.</summary>
    public const double MaxCores = 4096;

    /// <summary>The largest memory size a policy may name, in MiB (1 PiB).</summary>
    public const double MaxMemoryMiB = 1024.0 * 1024 * 1024;

    /// <summary>A memory size with a unit, at most 1 PiB: <c>512MiB</c>, <c>2GiB</c>, <c>1.5 TiB</c>, <c>800MB</c>; returns MiB.</summary>
    public static bool TrySizeMiB(string? text, out double mib)
    {
        mib = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var m = SizePattern().Match(text.Trim());
        if (!m.Success) return false;
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var bytes = value * m.Groups[2].Value.ToUpperInvariant() switch
        {
            "KIB" => 1024.0,
            "MIB" => 1024.0 * 1024,
            "GIB" => 1024.0 * 1024 * 1024,
            "TIB" => 1024.0 * 1024 * 1024 * 1024,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            _ => double.NaN,
        };
        if (!double.IsFinite(bytes) || bytes < 0 || bytes / (1024.0 * 1024) > MaxMemoryMiB) return false;
        mib = bytes / (1024.0 * 1024);
        return true;
    }

    /// <summary>A share: <c>15%</c> or a plain fraction <c>0.15</c>; must lie in [0, 1].</summary>
    public static bool TryShare(string? text, out double share)
    {
        share = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        var percent = s.EndsWith('%');
        if (percent) s = s[..^1].TrimEnd();
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value)) return false;
        share = percent ? value / 100 : value;
        return share is >= 0 and <= 1;
    }

    /// <summary>A finite number.</summary>
    public static bool TryNumber(string? text, out double value)
    {
        value = 0;
        return !string.IsNullOrWhiteSpace(text)
            && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }

    /// <summary>A duration as people write it (<c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>).</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero) return "0s";
        var parts = new List<string>();
        if (duration.Days >= 7 && duration.Days % 7 == 0 && duration.Hours == 0 && duration.Minutes == 0 && duration.Seconds == 0)
            return $"{duration.Days / 7}w";
        if (duration.Days > 0) parts.Add($"{duration.Days}d");
        if (duration.Hours > 0) parts.Add($"{duration.Hours}h");
        if (duration.Minutes > 0) parts.Add($"{duration.Minutes}m");
        if (duration.Seconds > 0) parts.Add($"{duration.Seconds}s");
        return string.Concat(parts);
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)\s*([smhdw])", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPart();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*([KMGT]i?B)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();
}
