using System.Globalization;
using Spectre.Console;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Traits;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph fleet</c>: every VM with its strongest traits.</summary>
public sealed class FleetCommand(CliContext context) : VmorphCommand<GlobalSettings>(context)
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(GlobalSettings settings, CancellationToken cancellationToken)
    {
        var catalog = Context.LoadCatalog(settings);
        using var store = Context.OpenStore(settings);
        var vms = await store.ListAsync(cancellationToken);
        var profiles = await store.LoadAsync(vms.Select(v => v.Id), cancellationToken);
        var rows = vms.Select(vm => (vm, traits: TraitScorer.Score(profiles[vm.Id].Profile, catalog))).ToList();
        if (settings.Json)
        {
            WriteJson(new FleetJson(store.Location, rows.Count, [.. rows.Select(r => JsonViews.Fleet(r.vm, r.traits))]));
            return ExitCodes.Success;
        }
        if (rows.Count == 0)
        {
            Context.Console.MarkupLine($"no VMs in {Markup.Escape(store.Location)} yet: [bold]./vmorph import PATH[/] loads traces");
            return ExitCodes.Success;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("VM").AddColumn("source").AddColumn(new TableColumn("samples").RightAligned())
            .AddColumn("top workload").AddColumn("top shapes");
        foreach (var (vm, traits) in rows)
        {
            var workload = traits.Top(1, TraitKind.Workload).FirstOrDefault();
            table.AddRow(
                Markup.Escape(vm.Name),
                Markup.Escape(vm.Source),
                vm.Samples.ToString("N0", CultureInfo.InvariantCulture),
                workload is null ? "-" : Markup.Escape(Describe(workload)),
                Markup.Escape(string.Join(", ", traits.Top(2, TraitKind.Shape).Select(Describe))));
        }
        Context.Console.Write(table);
        Context.Console.MarkupLine($"{rows.Count} VM(s); [bold]./vmorph traits VM --explain[/] says why");
        return ExitCodes.Success;
    }

    internal static string Describe(TraitScore s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Trait} {s.Score:0.00}") + (s.Coverage < 1 ? string.Create(CultureInfo.InvariantCulture, $" ({s.Coverage:P0} cov.)") : "");
}
