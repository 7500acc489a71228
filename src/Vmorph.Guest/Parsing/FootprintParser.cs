using System.Globalization;
using Vmorph.Observations;

namespace Vmorph.Guest.Parsing;

/// <summary>
/// Turns the output of the footprint script (<c>Scripts/footprint.sh</c>) into a <see cref="FootprintScan"/>. The
/// script prints only counts, so that is all there is to read; anything else in its output is refused as garbage.
/// </summary>
public static class FootprintParser
{
    /// <summary>Parses the script's output for the scan of <paramref name="paths"/> (in the order given to the script).</summary>
    public static Result<FootprintScan> Parse(string text, IReadOnlyList<string> paths, FootprintBudget budget, string target)
    {
        var split = ScriptOutput.Split(text, "footprint 1", target, "footprint");
        if (!split.IsSuccess) return Result<FootprintScan>.Fail(split.Errors);
        var categories = new SortedDictionary<string, CategoryCount>(StringComparer.Ordinal);
        var recency = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var sensitive = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var problems = new List<string>();
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        string? truncated = null;
        foreach (var line in split.Value.Lines("footprint 1"))
        {
            var f = line.Split(' ');
            switch (f)
            {
                case ["category", var name, var files, var bytes] when IsName(name) && Long(files) is { } n && Long(bytes) is { } b:
                    categories[name] = new CategoryCount(n, b);
                    break;
                case ["recency", var bucket, var files] when bucket is "1d" or "7d" or "30d" or "older" && Long(files) is { } n:
                    recency[bucket] = n;
                    break;
                case ["sensitive", var kind, var files] when IsName(kind) && Long(files) is { } n:
                    sensitive[kind] = n;
                    break;
                case ["missing", var index] when PathAt(paths, index) is { } path:
                    problems.Add($"{target}: scan path {path} does not exist");
                    break;
                case ["unreadable-path", var index] when PathAt(paths, index) is { } path:
                    problems.Add($"{target}: scan path {path} cannot be read");
                    break;
                case ["truncated", var reason] when reason is "files" or "time":
                    truncated = reason;
                    break;
                case [var name, var value] when IsName(name) && Long(value) is { } n:
                    counters[name] = n;
                    break;
                default:
                    return Result<FootprintScan>.Fail($"{target}: the footprint script printed a line it never prints, so its output is ignored: {Shell.QemuAgentShell.Excerpt(line)}");
            }
        }
        if (!counters.ContainsKey("files"))
            return Result<FootprintScan>.Fail($"{target}: the footprint script's output has no file count: it did not finish");
        var errors = counters.GetValueOrDefault("errors") + counters.GetValueOrDefault("unreadable");
        if (errors > 0) problems.Add($"{target}: {errors} file(s) or directories could not be read and are not counted");
        if (truncated == "files") problems.Add($"{target}: the scan stopped at its budget of {budget.MaxFiles} files: the counts cover part of the paths");
        if (truncated == "time") problems.Add($"{target}: the scan stopped at its budget of {budget.MaxSeconds} s: the counts cover part of the paths");
        var unscanned = counters.GetValueOrDefault("unscanned");
        if (unscanned > 0) problems.Add($"{target}: {unscanned} file(s) were counted but not checked for sensitive content: the budget of {budget.MaxContentBytes} bytes read was reached");
        return Result<FootprintScan>.Ok(new FootprintScan
        {
            Paths = paths,
            Categories = categories,
            AccessRecency = recency,
            Sensitive = sensitive,
            Truncated = truncated is not null || unscanned > 0,
            Problems = problems,
        });
    }

    private static long? Long(string s) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static bool IsName(string s) => s.Length is > 0 and <= 40 && s.All(c => c is >= 'a' and <= 'z' or '-' or >= '0' and <= '9');

    private static string? PathAt(IReadOnlyList<string> paths, string index) =>
        int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 1 && i <= paths.Count ? paths[i - 1] : null;
}
