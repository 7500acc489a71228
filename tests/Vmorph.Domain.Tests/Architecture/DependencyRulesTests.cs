using Vmorph.Profiles;

namespace Vmorph.Domain.Tests.Architecture;

public class DependencyRulesTests
{
    [Fact]
    public void Domain_ReferencesNoIoHostingOrDatabaseAssembly()
    {
        var referenced = typeof(PersonalityProfile).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        string[] forbidden = ["Microsoft.Data", "Npgsql", "Dapper", "Microsoft.AspNetCore", "Spectre", "Vmorph.Engine", "Vmorph.Storage", "Vmorph.Traces", "Vmorph.Libvirt", "System.Net.Http", "Orleans", "Vmorph.Loop", "Vmorph.Server", "Vmorph.Replay"];
        var offending = referenced.Where(r => forbidden.Any(f => r.StartsWith(f, StringComparison.Ordinal))).ToList();
        Assert.True(offending.Count == 0, "the domain must stay pure but references: " + string.Join(", ", offending));
    }

    [Fact]
    public void Domain_ValueTypesAreImmutable()
    {
        var mutable = typeof(PersonalityProfile).Assembly.GetTypes()
            .Where(t => t.IsValueType && t.IsPublic && !t.IsEnum)
            .SelectMany(t => t.GetProperties().Where(p => p.SetMethod is { IsPublic: true } s && !s.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit))).Select(p => $"{t.Name}.{p.Name}"))
            .ToList();
        Assert.True(mutable.Count == 0, "public structs must be immutable: " + string.Join(", ", mutable));
    }
}
