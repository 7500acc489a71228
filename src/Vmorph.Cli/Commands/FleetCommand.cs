using System.Globalization;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Traits;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph fleet</c>: every VM with its workload and strongest shapes, in natural order of name.</summary>
public sealed class FleetCommand(CliContext context) : VmorphCommand<GlobalSettings>(context), IServerCommand
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(GlobalSettings settings, CancellationToken cancellationToken)
    {
        using (var server = ServerClient.Open(Context, settings))
            if (server is not null) return await RunOnServerAsync(server, settings, cancellationToken);
        var catalog = Context.LoadCatalog(settings);
        using var store = Context.OpenStore(settings);
        var vms = await store.ListAsync(cancellationToken);
        var profiles = await store.LoadAsync(vms.Select(v => v.Id), cancellationToken);
        var rows = vms.Select(vm =>
        {
            var traits = TraitScorer.Score(profiles[vm.Id].Profile, catalog);
            return (vm, traits, workload: WorkloadClassifier.Classify(traits, catalog.Classification));
        }).ToList();
        if (settings.Json)
        {
            WriteJson(new FleetJson(store.Location, rows.Count, [.. rows.Select(r => JsonViews.Fleet(r.vm, r.traits, r.workload))]));
            return ExitCodes.Success;
        }
        if (rows.Count == 0)
        {
            Context.Hint($"no VMs in {store.Location} yet: ./vmorph import PATH loads traces");
            return ExitCodes.Success;
        }
        var table = Table();
        foreach (var (vm, traits, workload) in rows)
        {
            var shapes = traits.Top(settings.Wide ? int.MaxValue : 2, TraitKind.Shape);
            table.AddRow(
                vm.Name,
                vm.Source,
                vm.Samples.ToString(CultureInfo.InvariantCulture),
                workload.Describe(),
                string.Join(", ", shapes.Select(Describe)),
                workload.BestGuess is null ? "" : workload.Coverage.ToString("P0", CultureInfo.InvariantCulture),
                vm.LastSample?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "",
                vm.ConfigurationVersions.ToString(CultureInfo.InvariantCulture),
                vm.Id.Value);
        }
        Context.WriteTable(table, settings);
        Context.Hint($"{rows.Count} VM(s); ./vmorph traits VM --explain says why");
        return ExitCodes.Success;
    }

    // The same list from a server: its fleet pages carry every VM's summary, workload and (with traits=all) traits.
    private async Task<int> RunOnServerAsync(ServerClient server, GlobalSettings settings, CancellationToken cancellationToken)
    {
        var vms = (await server.GetAllAsync("api/v1/fleet?traits=all", cancellationToken)).Select(ServerClient.Read<FleetVmJson>).ToList();
        if (settings.Json)
        {
            WriteJson(new FleetJson(server.Server.ToString(), vms.Count, vms));
            return ExitCodes.Success;
        }
        if (vms.Count == 0)
        {
            Context.Hint($"no VMs on {server.Server} yet");
            return ExitCodes.Success;
        }
        var table = Table();
        foreach (var vm in vms)
        {
            var shapes = vm.Traits.Where(t => t.Kind == TraitKind.Shape).Take(settings.Wide ? int.MaxValue : 2);
            table.AddRow(
                vm.Name,
                vm.Source,
                vm.Samples.ToString(CultureInfo.InvariantCulture),
                ServerViews.Describe(vm.Workload),
                string.Join(", ", shapes.Select(ServerViews.Describe)),
                vm.Workload.BestGuess is null ? "" : vm.Workload.Coverage.ToString("P0", CultureInfo.InvariantCulture),
                vm.LastSample?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "",
                vm.ConfigurationVersions.ToString(CultureInfo.InvariantCulture),
                vm.Id);
        }
        Context.WriteTable(table, settings);
        Context.Hint($"{vms.Count} VM(s); ./vmorph traits VM --explain says why");
        return ExitCodes.Success;
    }

    private static TableView Table() => new(
        new ViewColumn("VM"), new ViewColumn("source"), new ViewColumn("samples") { RightAligned = true },
        new ViewColumn("workload"), new ViewColumn("shapes"),
        new ViewColumn("coverage") { RightAligned = true, WideOnly = true },
        new ViewColumn("last sample") { WideOnly = true },
        new ViewColumn("versions") { RightAligned = true, WideOnly = true },
        new ViewColumn("id") { WideOnly = true });

    /// <summary>A trait for people: <c>bursty 0.97</c>, with its coverage when below 100 %.</summary>
    internal static string Describe(TraitScore s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Trait} {s.Score:0.00}") + (s.Coverage < 1 ? string.Create(CultureInfo.InvariantCulture, $" ({s.Coverage:P0} cov.)") : "");
}
