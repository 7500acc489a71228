using Vmorph.Policies;

namespace Vmorph.Decisions.Tests;

/// <summary>Builds policies from YAML for tests.</summary>
internal static class TestPolicies
{
    public static Policy Parse(string yaml, string source = "test.yaml")
    {
        var catalog = PolicyCatalog.Build([(source, yaml)]);
        Assert.True(catalog.IsSuccess, string.Join("\n", catalog.Errors));
        return catalog.Value.Policies[0];
    }
}
