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
