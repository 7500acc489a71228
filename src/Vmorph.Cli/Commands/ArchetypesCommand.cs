using System.Globalization;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Traits;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph archetypes</c>: the archetypes and features traits are scored with.</summary>
public sealed class ArchetypesCommand(CliContext context) : VmorphCommand<GlobalSettings>(context)
{
    /// <inheritdoc />
    protected override Task<int> RunAsync(GlobalSettings settings, CancellationToken cancellationToken)
    {
        var catalog = Context.LoadCatalog(settings);
        if (settings.Json)
        {
            WriteJson(new
            {
                archetypes = catalog.Archetypes.Select(a => new { a.Name, a.Kind, a.Description, a.TargetProfile, a.Source, features = a.Weights }),
                features = catalog.KnownFeatures.ToDictionary(f => f, f => FeatureExtractor.BuiltInFeatures.GetValueOrDefault(f) ?? GroupDescription(catalog, f)),
                catalog.ApplicationGroups,
                catalog.PortGroups,
                classification = new { catalog.Classification.MinimumScore, catalog.Classification.MinimumCoverage },
            });
            return Task.FromResult(ExitCodes.Success);
        }
        var table = new TableView(
            new ViewColumn("archetype"), new ViewColumn("kind"), new ViewColumn("features (weight)"), new ViewColumn("from"),
            new ViewColumn("target profile") { WideOnly = true }, new ViewColumn("description") { WideOnly = true });
        foreach (var a in catalog.Archetypes)
        {
            table.AddRow(
                a.Name,
                a.Kind.ToString().ToLowerInvariant(),
                string.Join("\n", a.Weights.Select(w => string.Create(CultureInfo.InvariantCulture, $"{(w.Invert ? "low " : "")}{w.Feature} ({w.Weight:0.##})"))),
                a.Source,
                a.TargetProfile ?? "",
                a.Description);
        }
        Context.WriteTable(table, settings);
        Context.Hint(string.Create(CultureInfo.InvariantCulture,
            $"a VM is called a workload when its strongest workload trait scores at least {catalog.Classification.MinimumScore:0.##} with {catalog.Classification.MinimumCoverage:P0} coverage, else unknown; -o wide adds descriptions"));
        return Task.FromResult(ExitCodes.Success);
    }

    private static string GroupDescription(ArchetypeCatalog catalog, string feature) =>
        feature.StartsWith("app.", StringComparison.Ordinal)
            ? "share of inventory snapshots running one of: " + string.Join(", ", catalog.ApplicationGroups[feature[4..]])
            : "1 if the guest listens on one of ports " + string.Join(", ", catalog.PortGroups[feature[5..]]) + ", else 0";
}
