using System.Diagnostics;
using Vmorph.Policies;

namespace Vmorph.Decisions.Tests.Policies;

/// <summary>A hostile policy file is refused with its file, line and field named, quickly, and in words.</summary>
public class PolicyLimitsTests
{
    private const string Night = """
        policies:
          - name: night
            match: { names: ["web-*"] }
            bounds:
              cpu: { min: 1, max: 8 }
        """;

    private static Result<PolicyCatalog> Build(string yaml) => PolicyCatalog.Build([("policies.yaml", yaml)]);

    [Fact]
    public void Valid_Loads() => Assert.True(Build(Night).IsSuccess, string.Join("\n", Build(Night).Errors));

    [Fact]
    public void DuplicateKey_IsRefusedWithLineAndColumn_InWords()
    {
        var error = Assert.Single(Build(Night + "\n    cooldown: 5m\n    cooldown: 10m\n").Errors);
        Assert.Equal("policies.yaml: line 7, column 5: the key 'cooldown' is given twice in the same mapping (first on line 6); remove one", error);
    }

    [Fact]
    public void BillionLaughs_IsRefusedQuickly()
    {
        var lines = new List<string> { "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]" };
        for (var i = 1; i < 12; i++) lines.Add($"x{i}: &x{i} [{string.Join(", ", Enumerable.Repeat($"*x{i - 1}", 10))}]");
        lines.Add("policies: *x11");
        var clock = Stopwatch.StartNew();
        var error = Assert.Single(Build(string.Join('\n', lines)).Errors);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.StartsWith("policies.yaml: line 2, column 10: aliases (*x0) are not allowed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void OversizeDocument_IsRefusedBeforeParsing()
    {
        var yaml = Night + "\n" + new string('#', 2 * 1024 * 1024);
        Assert.Equal("policies.yaml: the file is larger than 1 MiB; vmorph reads YAML files up to 1 MiB", Assert.Single(Build(yaml).Errors));
    }

    [Fact]
    public void DeepNesting_IsRefusedWithoutOverflowingTheStack()
    {
        var yaml = "policies: " + new string('[', 200_000) + new string(']', 200_000);
        Assert.Contains("nested more than 32 levels deep", Assert.Single(Build(yaml).Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpu: { min: 1, max: 1e200 }", "bounds.cpu.max: '1e200' is not a positive number of cores (at most 4096)")]
    [InlineData("cpu: { min: 1e200 }", "bounds.cpu.min: '1e200' is not a number of cores (at most 4096)")]
    [InlineData("memory: { max: 2048TiB }", "bounds.memory.max: '2048TiB' is not a memory size up to 1 PiB (write 512MiB, 2GiB)")]
    public void HugeNumbers_AreRefusedNamingTheField(string bounds, string expected)
    {
        var yaml = Night.Replace("cpu: { min: 1, max: 8 }", bounds, StringComparison.Ordinal);
        Assert.Equal("policies.yaml: policy 'night': " + expected, Assert.Single(Build(yaml).Errors));
    }
}
