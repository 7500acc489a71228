using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.TargetProfiles;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph targets</c>: the target profiles VMs can be morphed to (<c>plan</c>/<c>apply --to TARGET</c>): the
/// built-ins, then <c>DATA_DIR/targets/*.yaml</c>, then <c>--targets DIR</c>, each with where it comes from and what it
/// sets. Every error in every file is reported at once.
/// </summary>
public sealed class TargetsCommand(CliContext context) : VmorphCommand<TargetSettings>(context)
{
    /// <inheritdoc />
    protected override Task<int> RunAsync(TargetSettings settings, CancellationToken cancellationToken)
    {
        var catalog = MorphSession.Catalog(Context, settings, settings.Targets, Context.LoadCatalog(settings));
        var targets = catalog.Profiles.Values.ToList();
        if (settings.Json)
        {
            WriteJson(new TargetsJson([.. targets.Select(TargetJson.From)]));
            return Task.FromResult(ExitCodes.Success);
        }
        var table = new TableView(new ViewColumn("name"), new ViewColumn("resources"), new ViewColumn("description"), new ViewColumn("source") { WideOnly = true });
        foreach (var target in targets)
            table.AddRow(target.Name, TargetJson.DescribeResources(target), target.Description, target.Source);
        Context.WriteTable(table, settings);
        return Task.FromResult(ExitCodes.Success);
    }
}

/// <summary>The target profiles as JSON.</summary>
public sealed record TargetsJson(IReadOnlyList<TargetJson> Targets);

/// <summary>One target profile as JSON: its sizes as the expressions it was written with.</summary>
public sealed record TargetJson(string Name, string Description, string Source, IReadOnlyDictionary<string, string> Resources, IReadOnlyDictionary<string, double> ExpectedTraits)
{
    /// <summary>From a target profile.</summary>
    public static TargetJson From(TargetProfile target) => new(target.Name, target.Description, target.Source, ResourceMap(target), target.ExpectedTraits);

    /// <summary>The resources a target sets, in one line (<c>vcpus=max(2, p95(cpu)), memory=4GiB</c>).</summary>
    public static string DescribeResources(TargetProfile target)
    {
        var map = ResourceMap(target);
        return map.Count == 0 ? "-" : string.Join(", ", map.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    private static SortedDictionary<string, string> ResourceMap(TargetProfile target)
    {
        var r = target.Resources;
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (r.Vcpus is { } v) map["vcpus"] = v.Text;
        if (r.MaxVcpus is { } mv) map["max-vcpus"] = mv.Text;
        if (r.Memory is { } m) map["memory"] = m.Text;
        if (r.MaxMemory is { } mm) map["max-memory"] = mm.Text;
        if (r.CpuQuota is { } q) map["cpu-quota"] = q.Value?.Text ?? "unlimited";
        if (r.Disk?.Size is { } d) map["disk"] = d.Text;
        return map;
    }
}
