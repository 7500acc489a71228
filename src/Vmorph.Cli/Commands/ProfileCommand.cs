using System.Globalization;
using Spectre.Console;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Traits;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph profile VM</c>: the whole personality profile.</summary>
public sealed class ProfileCommand(CliContext context) : VmorphCommand<VmSettings>(context)
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(VmSettings settings, CancellationToken cancellationToken)
    {
        var catalog = Context.LoadCatalog(settings);
        using var store = Context.OpenStore(settings);
        var p = (await store.FindOrFailAsync(settings.Vm, cancellationToken)).Profile;
        var features = FeatureExtractor.Extract(p, catalog);
        var traits = TraitScorer.Score(features, catalog);
        if (settings.Json)
        {
            WriteJson(JsonViews.Profile(p, features, traits));
            return ExitCodes.Success;
        }

        var console = Context.Console;
        var perf = p.Performance;
        console.Write(new Rule(Markup.Escape($"{p.Name}")).LeftJustified());
        var identity = new Grid().AddColumn().AddColumn();
        identity.AddRow("VMID", Markup.Escape(p.Id.Value));
        identity.AddRow("BaseImageID", Markup.Escape(p.BaseImage.Value));
        identity.AddRow("source", Markup.Escape(p.Source));
        identity.AddRow("observed", perf.FirstUnixSeconds is { } first && perf.LastUnixSeconds is { } last
            ? $"{Time(first)} to {Time(last)}: {perf.Samples:N0} samples, {perf.MissingSamples:N0} missing (counted, not filled)"
            : "no samples");
        console.Write(identity);

        var metrics = new Table().Border(TableBorder.Rounded).Title("PerformanceMetrics (decayed, half-life " + perf.HalfLife.TotalDays.ToString("0.#", CultureInfo.InvariantCulture) + " d)")
            .AddColumn("metric").AddColumn(new TableColumn("mean").RightAligned()).AddColumn(new TableColumn("p50").RightAligned())
            .AddColumn(new TableColumn("p95").RightAligned()).AddColumn(new TableColumn("p99").RightAligned())
            .AddColumn(new TableColumn("max").RightAligned()).AddColumn(new TableColumn("cv").RightAligned());
        foreach (var m in perf.Measured)
        {
            metrics.AddRow(m.Metric.Name(), Value(m.Metric, m.Mean), Value(m.Metric, m.Percentile(0.5)), Value(m.Metric, m.Percentile(0.95)),
                Value(m.Metric, m.Percentile(0.99)), Value(m.Metric, m.Maximum), (m.CoefficientOfVariation ?? 0).ToString("0.00", CultureInfo.InvariantCulture));
        }
        console.Write(metrics);

        var history = p.ConfigurationHistory;
        console.MarkupLine($"[bold]ConfigurationHistory[/]: {history.Versions.Count} version(s)" +
            (history.Current is { } current ? Markup.Escape($"; current v{current.Version} ({current.ContentHash[..12]}): " + string.Join(", ", current.Configuration.Flatten().Select(kv => $"{kv.Key}={kv.Value}"))) : ""));
        console.MarkupLine(Part("ApplicationUsageStats", p.Applications.IsObserved, $"{p.Applications.Applications.Count} application(s) over {p.Applications.Snapshots} snapshot(s)", p.GuestViewMissing));
        console.MarkupLine(Part("NetworkTrafficProfile", p.Network.IsObserved, $"listening on {string.Join(", ", p.Network.ListeningPorts.Keys)}; fan-in {p.Network.FanIn}, fan-out {p.Network.FanOut}", p.GuestViewMissing));
        console.MarkupLine(Part("DataFootprintAnalysis", p.DataFootprint.IsObserved, $"{p.DataFootprint.TotalFiles:N0} files, {p.DataFootprint.TotalBytes:N0} bytes, {p.DataFootprint.SensitiveShare:P1} sensitive", p.GuestViewMissing));
        console.MarkupLine(Part("UserBehaviorModel", p.UserBehavior.IsObserved, $"{p.UserBehavior.Users.Count} anonymised user(s)",
            p.UserBehavior.Consent is null ? "off: no consent recorded" : "consent recorded; no sessions seen yet"));
        console.MarkupLine("[bold]WeightedTraitVector[/]: " + Markup.Escape(string.Join(", ", traits.Traits.Take(5).Select(FleetCommand.Describe))));
        return ExitCodes.Success;
    }

    private static string Part(string name, bool observed, string summary, string? whyNot) =>
        $"[bold]{name}[/]: " + Markup.Escape(observed ? summary : "not observed" + (whyNot is null ? "" : $" ({whyNot})"));

    private static string Time(long unixSeconds) => DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    internal static string Value(Metric metric, double? value) => value is not { } v ? "-" : metric switch
    {
        Metric.Cpu => v.ToString("0.00", CultureInfo.InvariantCulture) + " cores",
        Metric.CpuUtilisation or Metric.MemoryUtilisation => v.ToString("P1", CultureInfo.InvariantCulture),
        Metric.Memory => new Units.MemorySize(Math.Max(0, v)).ToString(),
        _ => new Units.ByteRate(Math.Max(0, v)).ToString(),
    };
}
