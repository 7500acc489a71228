using System.Globalization;
using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Commands;

/// <summary>Durations on the command line: <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, or a plain number of seconds.</summary>
internal static class Durations
{
    /// <summary>Parses <paramref name="text"/> or throws a <see cref="CliException"/> naming the option.</summary>
    public static TimeSpan Parse(string text, string option)
    {
        var t = text.Trim();
        (string number, double factor) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.Ordinal) => (t[..^2], 0.001),
            _ when t.EndsWith('s') => (t[..^1], 1),
            _ when t.EndsWith('m') => (t[..^1], 60),
            _ when t.EndsWith('h') => (t[..^1], 3600),
            _ => (t, 1),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || !double.IsFinite(value))
            throw new CliException($"{option}: '{text}' is not a duration (examples: 500ms, 10s, 5m, 1h)", ExitCodes.Usage);
        return TimeSpan.FromSeconds(value * factor);
    }

    /// <summary>A duration for people: <c>210 ms</c>, <c>1.5 s</c>.</summary>
    public static string Describe(TimeSpan t) => t.TotalSeconds < 1
        ? t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms"
        : t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + " s";
}
