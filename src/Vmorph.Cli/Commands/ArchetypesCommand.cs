using System.Globalization;
using Spectre.Console;
using Vmorph.Cli.Hosting;
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
            });
            return Task.FromResult(ExitCodes.Success);
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumn("archetype").AddColumn("kind").AddColumn("features (weight)").AddColumn("from");
        foreach (var a in catalog.Archetypes)
        {
            table.AddRow(
                Markup.Escape(a.Name) + "\n[grey]" + Markup.Escape(a.Description) + "[/]",
                a.Kind.ToString().ToLowerInvariant(),
                Markup.Escape(string.Join("\n", a.Weights.Select(w => string.Create(CultureInfo.InvariantCulture, $"{(w.Invert ? "low " : "")}{w.Feature} ({w.Weight:0.##})")))),
                Markup.Escape(a.Source));
        }
        Context.Console.Write(table);
        return Task.FromResult(ExitCodes.Success);
    }

    private static string GroupDescription(ArchetypeCatalog catalog, string feature) =>
        feature.StartsWith("app.", StringComparison.Ordinal)
            ? "share of inventory snapshots running one of: " + string.Join(", ", catalog.ApplicationGroups[feature[4..]])
            : "1 if the guest listens on one of ports " + string.Join(", ", catalog.PortGroups[feature[5..]]) + ", else 0";
}
