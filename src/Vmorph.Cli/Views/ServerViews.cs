using System.Globalization;
using Vmorph.Traits;

namespace Vmorph.Cli.Views;

/// <summary>
/// The texts the commands print, from the JSON views a server answers (<c>--server</c>), worded as the domain's own
/// <c>Describe</c> methods word them on the store.
/// </summary>
internal static class ServerViews
{
    /// <summary>A workload: <c>web-server 0.81</c>, <c>unknown (best guess ...)</c>, as <see cref="WorkloadClassification.Describe"/>.</summary>
    public static string Describe(WorkloadJson w) => w.Name != WorkloadClassification.Unknown
        ? string.Create(CultureInfo.InvariantCulture, $"{w.Name} {w.Score:0.00}") + (w.Coverage < 1 ? string.Create(CultureInfo.InvariantCulture, $" ({w.Coverage:P0} coverage)") : "")
        : w.BestGuess is null
            ? WorkloadClassification.Unknown
            : string.Create(CultureInfo.InvariantCulture, $"{WorkloadClassification.Unknown} (best guess {w.BestGuess} {w.Score:0.00}, {w.Coverage:P0} coverage)");

    /// <summary>A trait: <c>bursty 0.97</c>, with its coverage when below 100 %.</summary>
    public static string Describe(TraitJson t) =>
        string.Create(CultureInfo.InvariantCulture, $"{t.Trait} {t.Score:0.00}") + (t.Coverage < 1 ? string.Create(CultureInfo.InvariantCulture, $" ({t.Coverage:P0} cov.)") : "");

    /// <summary>A feature's contribution: <c>low cpu-mean 0.12 (weight 2)</c>.</summary>
    public static string Describe(ContributionJson c) =>
        string.Create(CultureInfo.InvariantCulture, $"{(c.Inverted ? "low " : "")}{c.Feature} {c.Value:0.00} (weight {c.Weight:0.##})");
}
