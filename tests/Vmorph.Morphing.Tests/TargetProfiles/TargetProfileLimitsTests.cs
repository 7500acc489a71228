using System.Diagnostics;
using CsCheck;
using Vmorph.TargetProfiles;
using Vmorph.Yaml;

namespace Vmorph.Morphing.Tests.TargetProfiles;

/// <summary>A hostile target profile is refused with a clear message: it never crashes, hangs or leaks .NET type names.</summary>
public class TargetProfileLimitsTests
{
    private static string Profile(string vcpus) => $"""
        apiVersion: vmorph/v1
        kind: TargetProfile
        metadata:
          name: hostile
        spec:
          resources:
            vcpus: "{vcpus}"
        """;

    private static Result<TargetProfileCatalog> Build(string yaml) => TargetProfileCatalog.Build([], [("hostile.yaml", yaml)]);

    [Fact]
    public void SizeExpression_ThirtyThousandNestedParentheses_IsRefusedNamingTheField()
    {
        var expression = new string('(', 30_000) + "1" + new string(')', 30_000);
        var result = Build(Profile(expression));
        var error = Assert.Single(result.Errors);
        Assert.Equal("hostile.yaml: target profile 'hostile': spec.resources.vcpus: nested more than 32 deep; simplify the expression", error);
    }

    [Fact]
    public void SizeExpression_NestedThirtyTwoDeep_IsAccepted_AndThirtyThreeIsNot()
    {
        Assert.True(SizeExpression.Parse(new string('(', 32) + "2" + new string(')', 32), SizeKind.Count).IsSuccess);
        var deeper = SizeExpression.Parse(new string('(', 33) + "2" + new string(')', 33), SizeKind.Count);
        Assert.Contains("nested more than 32 deep", Assert.Single(deeper.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void SizeExpression_LongerThanTheLimit_IsRefusedWithoutEchoingIt()
    {
        var expression = string.Join(" + ", Enumerable.Repeat("1", 200));
        var error = Assert.Single(SizeExpression.Parse(expression, SizeKind.Count).Errors);
        Assert.Equal("the expression is 797 characters long; at most 256 are allowed", error);
    }

    [Fact]
    public void SizeExpression_NumberAboveTheLimit_IsRefused()
    {
        var error = Assert.Single(SizeExpression.Parse("p95(cpu) * " + new string('9', 20), SizeKind.Count).Errors);
        Assert.Contains("is too large; numbers are at most 10^15", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DuplicateKey_IsRefusedWithLineAndColumn()
    {
        var yaml = Profile("2") + "\n    vcpus: \"4\"\n";
        var error = Assert.Single(Build(yaml).Errors);
        Assert.Equal("hostile.yaml: line 8, column 5: the key 'vcpus' is given twice in the same mapping (first on line 7); remove one", error);
    }

    [Fact]
    public void Build_DocumentLargerThanOneMebibyte_IsRefusedQuickly()
    {
        var yaml = Profile("2") + "\n" + string.Concat(Enumerable.Repeat("# padding padding padding padding padding padding padding\n", 20_000));
        var clock = Stopwatch.StartNew();
        var error = Assert.Single(Build(yaml).Errors);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal("hostile.yaml: the file is larger than 1 MiB; vmorph reads YAML files up to 1 MiB", error);
    }

    [Fact]
    public void Build_BillionLaughs_IsRefusedQuickly()
    {
        var lines = new List<string> { "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]" };
        for (var i = 1; i < 10; i++) lines.Add($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]");
        var clock = Stopwatch.StartNew();
        var error = Assert.Single(Build(string.Join('\n', lines)).Errors);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal("hostile.yaml: line 2, column 10: aliases (*a0) are not allowed; write the value out in full", error);
    }

    [Fact]
    public void Build_DeeplyNestedYaml_IsRefused()
    {
        var yaml = "metadata: " + new string('[', 100_000) + new string(']', 100_000);
        var error = Assert.Single(Build(yaml).Errors);
        Assert.Equal($"hostile.yaml: line 1, column {10 + SafeYaml.MaxDepth}: nested more than 32 levels deep", error);
    }

    [Fact]
    public void Build_WrongKindOfValue_SaysItInWords()
    {
        var yaml = Profile("2").Replace("    vcpus: \"2\"", "    vcpus: [1, 2]", StringComparison.Ordinal);
        var error = Assert.Single(Build(yaml).Errors);
        Assert.Equal("hostile.yaml: line 7, column 12: expected a single value here", error);
    }

    private static readonly string[] Hostile =
    [
        "1e200", "-1", "abc", "{a: 1}", "[1, 2]", "99999999999999999999999", "true", "~", "!!int x", "!!float y", "&a x",
        "*a", "\"\"", "''", "0x1F", ".nan", ".inf", "{}", "[]", "!custom x", "[[[]]]", "{a: {b: c}}", "- x", "? x", "|\n  x",
    ];

    [Fact]
    public void Build_AnyScalarReplaced_EitherLoadsOrNamesTheFileWithoutTypeNames()
    {
        var (_, original) = TargetProfileCatalog.BuiltInDocuments()[0];
        var lines = original.Split('\n');
        var valueLines = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(": ", StringComparison.Ordinal) && !lines[i].TrimStart().StartsWith('#')).ToArray();
        var rejected = 0;
        Gen.Select(Gen.Int[0, valueLines.Length - 1], Gen.OneOf(Gen.Int[0, Hostile.Length - 1].Select(i => Hostile[i]), Gen.String[Gen.Char.AlphaNumeric, 0, 12], Gen.Double.Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))
            .Sample((line, value) =>
            {
                var copy = (string[])lines.Clone();
                var at = valueLines[line];
                copy[at] = copy[at][..(copy[at].IndexOf(": ", StringComparison.Ordinal) + 2)] + value;
                var result = Build(string.Join('\n', copy));
                if (result.IsSuccess) return;
                rejected++;
                foreach (var error in result.Errors)
                {
                    Assert.StartsWith("hostile.yaml", error, StringComparison.Ordinal);
                    Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
                    Assert.DoesNotContain("Vmorph.", error, StringComparison.Ordinal);
                    Assert.DoesNotContain("YamlDotNet", error, StringComparison.Ordinal);
                    Assert.DoesNotContain("Version=", error, StringComparison.Ordinal);
                }
            }, iter: 1000);
        Assert.True(rejected > 100, $"only {rejected} rejections");
    }
}
