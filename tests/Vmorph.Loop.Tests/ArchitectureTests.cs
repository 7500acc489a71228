using System.Reflection;
using Vmorph.Loop.Grains;
using Vmorph.Policies;

namespace Vmorph.Loop.Tests;

/// <summary>
/// The loop's project hosts nothing and reaches the outside only through the engine's ports: no web host, no database,
/// no hypervisor, no replay. The pure projects stay free of Orleans. (The growing fleet will add silos and a store,
/// not another code path through the loop.)
/// </summary>
public sealed class ArchitectureTests
{
    private static IReadOnlyList<string> Offending(Assembly assembly, params string[] forbidden) =>
        [.. assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(r => forbidden.Any(f => r.StartsWith(f, StringComparison.Ordinal)))];

    [Fact]
    public void The_loop_hosts_nothing_and_has_no_adapters()
    {
        var offending = Offending(typeof(VmGrain).Assembly,
            "Microsoft.AspNetCore", "Microsoft.Data", "Npgsql", "Dapper", "Spectre", "Vmorph.Storage", "Vmorph.Libvirt", "Vmorph.Guest",
            "Vmorph.Replay", "Vmorph.Traces", "Vmorph.Server", "Vmorph.Cli", "Orleans.Server", "Orleans.Runtime.Hosting");
        Assert.True(offending.Count == 0, "Vmorph.Loop must host nothing and reach the outside through ports, but references: " + string.Join(", ", offending));
    }

    [Fact]
    public void The_pure_decisions_take_no_orleans()
    {
        var offending = Offending(typeof(PolicyCatalog).Assembly, "Orleans", "Microsoft.AspNetCore", "Vmorph.Loop", "Vmorph.Server");
        Assert.True(offending.Count == 0, "Vmorph.Decisions must stay pure, but references: " + string.Join(", ", offending));
    }

    [Fact]
    public void Every_type_crossing_a_grain_boundary_has_a_generated_serializer()
    {
        // Orleans fails only at run time when a type lacks one: check every parameter and return type of the grain interface.
        var types = typeof(IVmGrain).GetMethods()
            .SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType))
            .Select(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Task<>) ? t.GetGenericArguments()[0] : t)
            .SelectMany(t => t.IsGenericType ? t.GetGenericArguments().Prepend(t.GetGenericTypeDefinition()) : [t])
            .Where(t => t.Namespace?.StartsWith("Vmorph", StringComparison.Ordinal) == true)
            .Distinct()
            .ToList();
        Assert.NotEmpty(types);
        var missing = types.Where(t => t.GetCustomAttribute<GenerateSerializerAttribute>() is null).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, "grain types without [GenerateSerializer]: " + string.Join(", ", missing));
    }
}
