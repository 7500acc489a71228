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
        var workload = WorkloadClassifier.Classify(traits, catalog.Classification);
        if (settings.Json)
        {
            WriteJson(JsonViews.Profile(p, features, traits, workload));
            return ExitCodes.Success;
        }

        var perf = p.Performance;
        if (Context.Terminal.OutputIsTerminal) Context.Console.Write(new Rule(Markup.Escape(p.Name)).LeftJustified());
        else Context.Output.WriteLine(p.Name);
        Context.WriteMarkupLine("[bold]VMID[/]: " + Markup.Escape(p.Id.Value));
        Context.WriteMarkupLine("[bold]BaseImageID[/]: " + Markup.Escape(p.BaseImage.Value));
        Context.WriteMarkupLine("[bold]source[/]: " + Markup.Escape(p.Source));
        Context.WriteMarkupLine("[bold]observed[/]: " + (perf.FirstUnixSeconds is { } first && perf.LastUnixSeconds is { } last
            ? string.Create(CultureInfo.InvariantCulture, $"{Time(first)} to {Time(last)}: {perf.Samples:N0} samples, {perf.MissingSamples:N0} missing (counted, not filled)")
            : "no samples"));

        var halfLife = perf.HalfLife.TotalDays.ToString("0.#", CultureInfo.InvariantCulture);
        var metrics = new TableView(
            new ViewColumn("metric"), new ViewColumn("mean") { RightAligned = true }, new ViewColumn("p50") { RightAligned = true },
            new ViewColumn("p95") { RightAligned = true }, new ViewColumn("p99") { RightAligned = true },
            new ViewColumn("max") { RightAligned = true }, new ViewColumn("cv") { RightAligned = true })
        {
            Title = $"PerformanceMetrics (decayed, half-life {halfLife} d)",
        };
        foreach (var m in perf.Measured)
        {
            metrics.AddRow(m.Metric.Name(), Value(m.Metric, m.Mean), Value(m.Metric, m.Percentile(0.5)), Value(m.Metric, m.Percentile(0.95)),
                Value(m.Metric, m.Percentile(0.99)), Value(m.Metric, m.Maximum), (m.CoefficientOfVariation ?? 0).ToString("0.00", CultureInfo.InvariantCulture));
        }
        if (!Context.Terminal.OutputIsTerminal) Context.Output.WriteLine($"PerformanceMetrics (decayed, half-life {halfLife} d):");
        Context.WriteTable(metrics, settings);

        var history = p.ConfigurationHistory;
        Context.WriteMarkupLine($"[bold]ConfigurationHistory[/]: {history.Versions.Count} version(s)" +
            (history.Current is { } current ? Markup.Escape($"; current v{current.Version} ({current.ContentHash[..12]}): " + string.Join(", ", current.Configuration.Flatten().Select(kv => $"{kv.Key}={ConfigurationValues.Describe(kv.Key, kv.Value)}"))) : ""));
        Context.WriteMarkupLine(Part("ApplicationUsageStats", p.Applications.IsObserved, $"{p.Applications.Applications.Count} application(s) over {p.Applications.Snapshots} snapshot(s)", p.GuestViewMissing));
        Context.WriteMarkupLine(Part("NetworkTrafficProfile", p.Network.IsObserved, $"listening on {string.Join(", ", p.Network.ListeningPorts.Keys)}; fan-in {p.Network.FanIn}, fan-out {p.Network.FanOut}", p.GuestViewMissing));
        Context.WriteMarkupLine(Part("DataFootprintAnalysis", p.DataFootprint.IsObserved,
            string.Create(CultureInfo.InvariantCulture, $"{p.DataFootprint.TotalFiles:N0} files, {new Units.MemorySize(Math.Max(0, p.DataFootprint.TotalBytes))}, {p.DataFootprint.SensitiveShare:P1} sensitive"), p.GuestViewMissing));
        Context.WriteMarkupLine(Part("UserBehaviorModel", p.UserBehavior.IsObserved, $"{p.UserBehavior.Users.Count} anonymised user(s)",
            p.UserBehavior.Consent is null ? "off: no consent recorded" : "consent recorded; no sessions seen yet"));
        Context.WriteMarkupLine("[bold]workload[/]: " + Markup.Escape($"{workload.Describe()}: {workload.Reason}"));
        Context.WriteMarkupLine("[bold]WeightedTraitVector[/]: " + Markup.Escape(string.Join(", ", traits.Traits.Take(5).Select(FleetCommand.Describe))));
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
