using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Tests.Commands;

/// <summary>What the commands print for people and for scripts: plain columns off a terminal, hints on standard error, natural order, JSON numbers.</summary>
public sealed partial class OutputTests : IDisposable
{
    private const string Header = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";

    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>Imports small Bitbrains-format traces, one VM per name; memory grows from 8218624 KB to 8388608 KB half-way.</summary>
    private async Task ImportAsync(params string[] names)
    {
        var paths = new List<string>();
        foreach (var (name, n) in names.Select((name, n) => (name, n)))
        {
            var text = new StringBuilder(Header);
            for (var i = 0; i < 24; i++)
            {
                var memory = i < 12 ? "8218624.0" : "8388608.0";
                text.Append(CultureInfo.InvariantCulture, $"{1372629804 + i * 300};\t2;\t5851.9989;\t{87.7 + i * 40:0.0};\t{1.5 + i:0.0};\t{memory};\t1034592.8;\t{160.8 + n:0.0};\t21.7;\t0.2;\t1.4\n");
            }
            paths.Add(cli.WriteGzip($"{name}.csv.gz", text.ToString()));
        }
        var import = await cli.RunAsync(["import", .. paths]);
        Assert.True(import.Exit == 0, import.Error);
    }

    private static bool HasBoxDrawing(string text) => text.Any(c => c is >= '\u2500' and <= '\u257F');

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static int Columns(string line) => ColumnGap().Split(line.TrimEnd()).Length;

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex ColumnGap();

    [GeneratedRegex(@"\u001b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [Fact]
    public async Task Fleet_Piped_IsAHeaderThenOneLinePerVmWithTheSameColumnsAndNoBoxes()
    {
        await ImportAsync("1", "2", "10");
        var result = await cli.RunAsync("fleet");
        Assert.Equal(0, result.Exit);
        Assert.False(HasBoxDrawing(result.Out), result.Out);
        var lines = Lines(result.Out);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("VM ", lines[0], StringComparison.Ordinal);
        Assert.All(lines, line => Assert.Equal(5, Columns(line)));
        Assert.DoesNotContain("VM(s)", result.Out, StringComparison.Ordinal);
        Assert.Contains("3 VM(s); ./vmorph traits VM --explain says why", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fleet_NoHeaders_LeavesOutTheHeaderRow()
    {
        await ImportAsync("1", "2");
        var lines = Lines((await cli.RunAsync("fleet", "--no-headers")).Out);
        Assert.Equal(["1", "2"], lines.Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public async Task Fleet_Wide_AddsCoverageLastSampleVersionsAndId()
    {
        await ImportAsync("1");
        var narrow = Lines((await cli.RunAsync("fleet")).Out);
        var wide = Lines((await cli.RunAsync("fleet", "-o", "wide")).Out);
        Assert.Equal(5, Columns(narrow[0]));
        Assert.Equal(["VM", "SOURCE", "SAMPLES", "WORKLOAD", "SHAPES", "COVERAGE", "LAST-SAMPLE", "VERSIONS", "ID"], ColumnGap().Split(wide[0]));
        Assert.Equal(9, Columns(wide[1]));
        Assert.Contains("2013-06-30T", wide[1], StringComparison.Ordinal);
        Assert.Matches(@"\s2\s+bitbrains:1$", wide[1]);
    }

    [Fact]
    public async Task Fleet_VmNames_AreInNaturalOrderInTextAndJson()
    {
        await ImportAsync("10", "2", "lab-10", "1", "11", "lab-2");
        string[] expected = ["1", "2", "10", "11", "lab-2", "lab-10"];
        var text = Lines((await cli.RunAsync("fleet", "--no-headers")).Out);
        Assert.Equal(expected, text.Select(l => l.Split(' ')[0]));
        using var json = JsonDocument.Parse((await cli.RunAsync("fleet", "-o", "json")).Out);
        Assert.Equal(expected, json.RootElement.GetProperty("vms").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Fleet_WeakWorkload_IsUnknownWithItsBestGuessInTextAndJson()
    {
        await ImportAsync("1");
        var text = await cli.RunAsync("fleet", "--no-headers");
        Assert.Matches(@"unknown \(best guess [a-z-]+ 0\.\d\d, \d+ % coverage\)", text.Out);
        using var json = JsonDocument.Parse((await cli.RunAsync("fleet", "-o", "json")).Out);
        var workload = json.RootElement.GetProperty("vms")[0].GetProperty("workload");
        Assert.Equal("unknown", workload.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(workload.GetProperty("bestGuess").GetString()));
        Assert.True(workload.GetProperty("score").GetDouble() < 0.5);
        Assert.Equal(JsonValueKind.Number, workload.GetProperty("coverage").ValueKind);
    }

    [Fact]
    public async Task Fleet_ThresholdsLoweredByAnArchetypeFile_NamesTheBestGuess()
    {
        await ImportAsync("1");
        var yaml = cli.Scratch("lenient.yaml");
        await File.WriteAllTextAsync(yaml, "classification:\n  minimum-score: 0\n  minimum-coverage: 0\n");
        using var json = JsonDocument.Parse((await cli.RunAsync("fleet", "-o", "json", "--archetypes", yaml)).Out);
        var workload = json.RootElement.GetProperty("vms")[0].GetProperty("workload");
        Assert.Equal(workload.GetProperty("bestGuess").GetString(), workload.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Fleet_ClassificationOutOfRange_IsReportedNamingFileAndField()
    {
        var yaml = cli.Scratch("bad.yaml");
        await File.WriteAllTextAsync(yaml, "classification:\n  minimum-score: 1.5\n  minimum-coverage: -0.1\n");
        var result = await cli.RunAsync("fleet", "--archetypes", yaml);
        Assert.Equal(1, result.Exit);
        Assert.Contains($"{yaml}: classification: minimum-score 1.5 is not between 0 and 1", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{yaml}: classification: minimum-coverage -0.1 is not between 0 and 1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Traits_ExplainPiped_KeepsEveryTraitAndItsReasonsOnOneLine()
    {
        await ImportAsync("1");
        var result = await cli.RunAsync("traits", "1", "--explain");
        Assert.Equal(0, result.Exit);
        Assert.False(HasBoxDrawing(result.Out), result.Out);
        using var json = JsonDocument.Parse((await cli.RunAsync("traits", "1", "-o", "json")).Out);
        var traits = json.RootElement.GetProperty("traits").GetArrayLength();
        var lines = Lines(result.Out);
        Assert.Equal(1 + traits, lines.Length);
        Assert.Equal(["TRAIT", "KIND", "SCORE", "COVERAGE", "BECAUSE"], ColumnGap().Split(lines[0]));
        Assert.All(lines, line => Assert.Equal(5, Columns(line)));
        Assert.Contains(lines, line => line.Contains("(weight ", StringComparison.Ordinal) && line.Contains("; no data: ", StringComparison.Ordinal));
        Assert.Contains("workload unknown (best guess", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_Piped_HasNoBoxesAndNoLineBrokenInsideAWord()
    {
        await ImportAsync("1");
        var result = await cli.RunAsync("profile", "1");
        Assert.Equal(0, result.Exit);
        Assert.False(HasBoxDrawing(result.Out), result.Out);
        var lines = Lines(result.Out);
        Assert.Contains(lines, l => l.StartsWith("ApplicationUsageStats: not observed (traces carry no in-guest view", StringComparison.Ordinal) && l.EndsWith("are not observed)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("workload: unknown (best guess ", StringComparison.Ordinal) && l.Contains("not called ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ConfigurationHistory: 2 version(s); current v2", StringComparison.Ordinal) && l.Contains("memory.current=8 GiB", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fleet_OnATerminal_IsATableFittedToColumns()
    {
        await ImportAsync("1", "2");
        cli.Terminal = TerminalInfo.Of(200);
        cli.Environment["COLUMNS"] = "60";
        var result = await cli.RunAsync("fleet", "--no-color");
        Assert.True(HasBoxDrawing(result.Out), result.Out);
        Assert.All(Lines(result.Out), line => Assert.True(line.TrimEnd('\r').Length <= 60, $"wider than COLUMNS=60: '{line}'"));
    }

    [Fact]
    public async Task History_NoColorOrNO_COLOR_EmitsNoAnsiEscapesOnATerminal()
    {
        await ImportAsync("1");
        cli.Terminal = TerminalInfo.Of(120);
        Assert.Matches(AnsiEscape(), (await cli.RunAsync("history", "1")).Out);
        Assert.DoesNotMatch(AnsiEscape(), (await cli.RunAsync("history", "1", "--no-color")).Out);
        cli.Environment["NO_COLOR"] = "1";
        Assert.DoesNotMatch(AnsiEscape(), (await cli.RunAsync("history", "1")).Out);
        Assert.DoesNotMatch(AnsiEscape(), (await cli.RunAsync("fleet")).Out);
    }

    [Fact]
    public async Task History_Text_ShowsSizesInBinaryUnits()
    {
        await ImportAsync("1");
        var result = await cli.RunAsync("history", "1");
        Assert.Equal(0, result.Exit);
        Assert.Contains("+ memory.current: (none) -> 7.84 GiB", result.Out, StringComparison.Ordinal);
        Assert.Contains("~ memory.current: 7.84 GiB -> 8 GiB", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("8589934592", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_Json_HasNumbersAsNumbersAndUnescapedKinds()
    {
        await ImportAsync("1");
        var result = await cli.RunAsync("history", "1", "-o", "json");
        Assert.Equal(0, result.Exit);
        Assert.DoesNotContain("\\u002B", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"+\"", result.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Out);
        var versions = json.RootElement.GetProperty("versions");
        var configuration = versions[1].GetProperty("configuration");
        Assert.Equal(8589934592, configuration.GetProperty("memory.current").GetInt64());
        Assert.Equal(2, configuration.GetProperty("vcpus.current").GetInt32());
        var change = versions[1].GetProperty("changes")[0];
        Assert.Equal("~", change.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Number, change.GetProperty("before").ValueKind);
    }

    [Fact]
    public async Task Import_Piped_WritesItsNotesAndHintsToStandardError()
    {
        await ImportAsync("1");
        var again = await cli.RunAsync("import", cli.Scratch("1.csv.gz"));
        Assert.Equal(0, again.Exit);
        Assert.Contains("skipped 1 file(s) already imported", again.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("skipped", again.Out, StringComparison.Ordinal);
        Assert.StartsWith("imported 0 file(s)", again.Out, StringComparison.Ordinal);
    }
}
