using Vmorph.Traits;

namespace Vmorph.Domain.Tests.Traits;

public class ArchetypeCatalogTests
{
    [Fact]
    public void BuiltIn_HasEverySeedArchetypeAndShape()
    {
        var names = ArchetypeCatalog.BuiltIn.Archetypes.Select(a => a.Name).ToHashSet();
        foreach (var expected in new[] { "development", "database-server", "web-server", "data-analytics-node", "security-scanner",
                     "cpu-bound", "memory-bound", "io-bound", "network-bound", "bursty", "interactive", "batch" })
            Assert.Contains(expected, names);
    }

    [Fact]
    public void Build_UnknownFeatureAndNegativeWeight_ReportsBothNamingFileArchetypeAndFeature()
    {
        const string yaml = """
            archetypes:
              - name: mine
                features:
                  cpu.utilisation.p95: -0.5
                  gpu.temperature: 0.5
            """;
        var result = ArchetypeCatalog.Build([("mine.yaml", yaml)]);
        Assert.False(result.IsSuccess);
        Assert.Equal(2, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.StartsWith("mine.yaml: archetype 'mine': feature 'cpu.utilisation.p95': weight -0.5 is negative", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.StartsWith("mine.yaml: archetype 'mine': feature 'gpu.temperature' is unknown; known features: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_YamlSyntaxError_NamesFileAndLine()
    {
        var result = ArchetypeCatalog.Build([("broken.yaml", "archetypes:\n  - name: x\n    features: [oops\n")]);
        Assert.False(result.IsSuccess);
        Assert.StartsWith("broken.yaml:", result.Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownKey_IsRejectedWithItsLine()
    {
        var result = ArchetypeCatalog.Build([("typo.yaml", "archetypes:\n  - name: x\n    featurez:\n      cpu.size: 1\n")]);
        Assert.False(result.IsSuccess);
        Assert.StartsWith("typo.yaml: line 3, column 5: unknown key 'featurez'", result.Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UserFileWithSameName_OverridesBuiltIn()
    {
        const string yaml = """
            application-groups:
              my-db: [cockroach]
            archetypes:
              - name: database-server
                kind: workload
                description: ours
                features:
                  app.my-db: 1
            """;
        var result = ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()), ("ours.yaml", yaml)]);
        Assert.True(result.IsSuccess, string.Join("\n", result.Errors));
        var db = result.Value.Archetypes.Single(a => a.Name == "database-server");
        Assert.Equal("ours.yaml", db.Source);
        Assert.Equal("app.my-db", db.Weights.Single().Feature);
        Assert.Equal(ArchetypeCatalog.BuiltIn.Archetypes.Length, result.Value.Archetypes.Length);
    }
}
