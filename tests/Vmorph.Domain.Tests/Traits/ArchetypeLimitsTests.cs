using System.Diagnostics;
using System.Globalization;
using CsCheck;
using Vmorph.Traits;

namespace Vmorph.Domain.Tests.Traits;

/// <summary>A hostile archetype file is refused with its file and field named, quickly, and in words.</summary>
public class ArchetypeLimitsTests
{
    private static string Mine(string weight) => $"""
        archetypes:
          - name: mine
            kind: workload
            features:
              cpu.utilisation.p95: {weight}
        """;

    private static Result<ArchetypeCatalog> Build(string yaml) =>
        ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()), ("mine.yaml", yaml)]);

    [Theory]
    [InlineData("1e200")]
    [InlineData("{ weight: 1e200 }")]
    [InlineData("1e400")]
    [InlineData("100.5")]
    public void Weight_TooLarge_IsRefusedNamingFileArchetypeAndFeature(string weight)
    {
        var error = Assert.Single(Build(Mine(weight)).Errors);
        Assert.StartsWith("mine.yaml: archetype 'mine': feature 'cpu.utilisation.p95': weight ", error, StringComparison.Ordinal);
        Assert.EndsWith("is too large; weights are at most 100", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Weight_AtTheLimit_IsAccepted() => Assert.True(Build(Mine("100")).IsSuccess);

    [Fact]
    public void DuplicateKey_IsRefusedWithLineAndColumn()
    {
        var yaml = Mine("0.5") + "\n      cpu.utilisation.p95: 0.9\n";
        var error = Assert.Single(Build(yaml).Errors);
        Assert.Equal("mine.yaml: line 6, column 7: the key 'cpu.utilisation.p95' is given twice in the same mapping (first on line 5); remove one", error);
    }

    [Fact]
    public void BillionLaughs_IsRefusedQuickly()
    {
        var lines = new List<string> { "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]" };
        for (var i = 1; i < 12; i++) lines.Add($"x{i}: &x{i} [{string.Join(", ", Enumerable.Repeat($"*x{i - 1}", 10))}]");
        lines.Add("archetypes: *x11");
        var clock = Stopwatch.StartNew();
        var error = Assert.Single(Build(string.Join('\n', lines)).Errors);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.StartsWith("mine.yaml: line 2, column 10: aliases (*x0) are not allowed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void OversizeDocument_IsRefusedBeforeParsing()
    {
        var yaml = Mine("0.5") + "\n" + new string('#', 2 * 1024 * 1024);
        Assert.Equal("mine.yaml: the file is larger than 1 MiB; vmorph reads YAML files up to 1 MiB", Assert.Single(Build(yaml).Errors));
    }

    [Fact]
    public void PortOutOfRangeOfAWholeNumber_IsSaidInWords()
    {
        var error = Assert.Single(Build("port-groups:\n  big: [99999999999999]\n" + Mine("0.5")).Errors);
        Assert.Equal("mine.yaml: line 2, column 9: '99999999999999' is not a whole number from -2147483648 to 2147483647", error);
    }

    // Found by the fuzzing harness (tests/Vmorph.Fuzz.Tests): a flow list left open, with a number alone on a later
    // line, made YamlDotNet's scanner throw an internal InvalidOperationException that escaped as a crash.
    [Fact]
    public void UnclosedFlowListWithABareNumberLater_IsRefusedInWords()
    {
        var lines = ArchetypeCatalog.BuiltInYaml().Split('\n');
        var list = Array.FindIndex(lines, l => l.StartsWith("  web-server: [", StringComparison.Ordinal));
        lines[list] = lines[list][..lines[list].IndexOf("hapro", StringComparison.Ordinal)] + "hapro";
        lines[62] = "2147483648";
        var error = Assert.Single(Build(string.Join('\n', lines)).Errors);
        Assert.StartsWith("mine.yaml: line ", error, StringComparison.Ordinal);
        Assert.EndsWith("the YAML cannot be read after this point; check the brackets, braces and quotes that follow", error, StringComparison.Ordinal);
    }

    private static readonly string[] Hostile =
    [
        "1e200", "-1", "abc", "{a: 1}", "[1, 2]", "99999999999999999999999", "true", "~", "!!int x", "!!float y", "&a x",
        "*a", "\"\"", "''", "0x1F", ".nan", ".inf", "{}", "[]", "!custom x", "[[[]]]", "{weight: x}", "{weight: [1]}", "- x", "? x",
    ];

    [Fact]
    public void AnyScalarReplaced_EitherLoadsOrNamesTheFileWithoutTypeNames()
    {
        var lines = ArchetypeCatalog.BuiltInYaml().Split('\n');
        var valueLines = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(": ", StringComparison.Ordinal) && !lines[i].TrimStart().StartsWith('#')).ToArray();
        var rejected = 0;
        Gen.Select(Gen.Int[0, valueLines.Length - 1], Gen.OneOf(Gen.Int[0, Hostile.Length - 1].Select(i => Hostile[i]), Gen.String[Gen.Char.AlphaNumeric, 0, 12], Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture))))
            .Sample((line, value) =>
            {
                var copy = (string[])lines.Clone();
                var at = valueLines[line];
                copy[at] = copy[at][..(copy[at].IndexOf(": ", StringComparison.Ordinal) + 2)] + value;
                var result = ArchetypeCatalog.Build([("mine.yaml", string.Join('\n', copy))]);
                if (result.IsSuccess) return;
                rejected++;
                foreach (var error in result.Errors)
                {
                    Assert.StartsWith("mine.yaml", error, StringComparison.Ordinal);
                    Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
                    Assert.DoesNotContain("Vmorph.", error, StringComparison.Ordinal);
                    Assert.DoesNotContain("YamlDotNet", error, StringComparison.Ordinal);
                    Assert.DoesNotContain("Version=", error, StringComparison.Ordinal);
                }
            }, iter: 1000);
        Assert.True(rejected > 100, $"only {rejected} rejections");
    }
}
