using Vmorph.Planning;

namespace Vmorph.Morphing.Tests.Architecture;

public class DependencyRulesTests
{
    [Fact]
    public void Morphing_ReferencesOnlyTheDomainAndPureLibraries()
    {
        var referenced = typeof(MorphingAlgorithm).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        string[] forbidden = ["Microsoft.Data", "Npgsql", "Dapper", "Microsoft.AspNetCore", "Spectre", "Vmorph.Engine", "Vmorph.Storage", "Vmorph.Traces", "Vmorph.Libvirt", "Vmorph.Cli", "Vmorph.Guest", "System.Net.Http", "System.Diagnostics.Process", "Orleans", "Vmorph.Loop", "Vmorph.Server", "Vmorph.Replay"];
        var offending = referenced.Where(r => forbidden.Any(f => r.StartsWith(f, StringComparison.Ordinal))).ToList();
        Assert.True(offending.Count == 0, "the morphing core must stay pure but references: " + string.Join(", ", offending));
    }

    [Fact]
    public void Morphing_PublicValueTypesAreImmutable()
    {
        var mutable = typeof(MorphingAlgorithm).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsInterface)
            .Where(t => t.IsValueType || t.Name.EndsWith("Spec", StringComparison.Ordinal) is false)
            .SelectMany(t => t.GetProperties().Where(p => p.SetMethod is { IsPublic: true } s && !s.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit))).Select(p => $"{t.Name}.{p.Name}"))
            .ToList();
        Assert.True(mutable.Count == 0, "public types other than YAML specs must be immutable: " + string.Join(", ", mutable));
    }
}
