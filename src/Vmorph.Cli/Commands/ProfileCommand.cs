using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Cycles;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Traits;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph profile VM</c>: the whole personality profile.</summary>
public sealed class ProfileCommand(CliContext context) : VmorphCommand<VmSettings>(context), IServerCommand
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(VmSettings settings, CancellationToken cancellationToken)
    {
        using (var server = ServerClient.Open(Context, settings))
            if (server is not null) return await RunOnServerAsync(server, settings, cancellationToken);
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

        var cycle = CycleDetector.Detect(perf.Cycles);
        Context.WriteMarkupLine("[bold]dominant cycle[/]: " + Cycle(cycle?.IsoPeriod, cycle?.Strength));

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

    // The same from a server: GET /api/v1/vms/VM carries the profile view; the text is read back from it.
    private async Task<int> RunOnServerAsync(ServerClient server, VmSettings settings, CancellationToken cancellationToken)
    {
        var vm = await server.GetAsync($"api/v1/vms/{Uri.EscapeDataString(settings.Vm)}", cancellationToken);
        var p = vm["profile"] ?? throw new CliException($"the server at {server.Server} answered without a profile; is it a vmorph server?");
        if (settings.Json)
        {
            Context.Output.WriteLine(ServerClient.Print(p));
            return ExitCodes.Success;
        }
        string Text(JsonNode? node, string key) => node?[key]?.GetValue<string>() ?? "";
        long Count(JsonNode? node, string key) => node?[key]?.GetValue<long>() ?? 0;
        double? Number(JsonNode? node, string key) => node?[key]?.GetValue<double>();
        bool Observed(string part) => p[part]?["isObserved"]?.GetValue<bool>() == true;

        var name = Text(p, "name");
        if (Context.Terminal.OutputIsTerminal) Context.Console.Write(new Rule(Markup.Escape(name)).LeftJustified());
        else Context.Output.WriteLine(name);
        Context.WriteMarkupLine("[bold]VMID[/]: " + Markup.Escape(Text(p, "id")));
        Context.WriteMarkupLine("[bold]BaseImageID[/]: " + Markup.Escape(Text(p, "baseImage")));
        Context.WriteMarkupLine("[bold]source[/]: " + Markup.Escape(Text(p, "source")));
        var perf = p["performance"];
        var first = perf?["first"]?.GetValue<DateTimeOffset>();
        var last = perf?["last"]?.GetValue<DateTimeOffset>();
        Context.WriteMarkupLine("[bold]observed[/]: " + (first is { } f && last is { } l
            ? string.Create(CultureInfo.InvariantCulture, $"{Time(f.ToUnixTimeSeconds())} to {Time(l.ToUnixTimeSeconds())}: {Count(perf, "samples"):N0} samples, {Count(perf, "missingSamples"):N0} missing (counted, not filled)")
            : "no samples"));

        Context.WriteMarkupLine("[bold]dominant cycle[/]: " + Cycle(Text(p["dominantCycle"], "period") is { Length: > 0 } period ? period : null, Number(p["dominantCycle"], "strength")));

        var halfLife = ((Number(perf, "halfLifeHours") ?? 0) / 24).ToString("0.#", CultureInfo.InvariantCulture);
        var metrics = new TableView(
            new ViewColumn("metric"), new ViewColumn("mean") { RightAligned = true }, new ViewColumn("p50") { RightAligned = true },
            new ViewColumn("p95") { RightAligned = true }, new ViewColumn("p99") { RightAligned = true },
            new ViewColumn("max") { RightAligned = true }, new ViewColumn("cv") { RightAligned = true })
        {
            Title = $"PerformanceMetrics (decayed, half-life {halfLife} d)",
        };
        foreach (var (metricName, m) in perf?["metrics"]?.AsObject() ?? [])
        {
            if (Metrics.All.Where(x => x.Name() == metricName).Cast<Metric?>().FirstOrDefault() is not { } metric) continue;
            metrics.AddRow(metricName, Value(metric, Number(m, "mean")), Value(metric, Number(m, "p50")), Value(metric, Number(m, "p95")),
                Value(metric, Number(m, "p99")), Value(metric, Number(m, "maximum")), (Number(m, "coefficientOfVariation") ?? 0).ToString("0.00", CultureInfo.InvariantCulture));
        }
        if (!Context.Terminal.OutputIsTerminal) Context.Output.WriteLine($"PerformanceMetrics (decayed, half-life {halfLife} d):");
        Context.WriteTable(metrics, settings);

        var versions = p["configurationHistory"]?.AsArray() ?? [];
        var current = versions.Count > 0 ? versions[^1] : null;
        Context.WriteMarkupLine($"[bold]ConfigurationHistory[/]: {versions.Count} version(s)" + (current is null ? "" : Markup.Escape(
            $"; current v{Count(current, "version")} ({Text(current, "contentHash")[..Math.Min(12, Text(current, "contentHash").Length)]}): "
            + string.Join(", ", (current["configuration"]?.AsObject() ?? []).Select(kv => $"{kv.Key}={ConfigurationValues.Describe(kv.Key, Raw(kv.Value))}")))));
        var applications = p["applications"];
        Context.WriteMarkupLine(Part("ApplicationUsageStats", Observed("applications"), $"{applications?["applications"]?.AsObject().Count ?? 0} application(s) over {Count(applications, "snapshots")} snapshot(s)", Text(p, "guestViewMissing") is { Length: > 0 } w1 ? w1 : null));
        var network = p["network"];
        Context.WriteMarkupLine(Part("NetworkTrafficProfile", Observed("network"), $"listening on {string.Join(", ", (network?["listeningPorts"]?.AsObject() ?? []).Select(kv => kv.Key))}; fan-in {Count(network, "fanIn")}, fan-out {Count(network, "fanOut")}", Text(p, "guestViewMissing") is { Length: > 0 } w2 ? w2 : null));
        var footprint = p["dataFootprint"];
        Context.WriteMarkupLine(Part("DataFootprintAnalysis", Observed("dataFootprint"),
            string.Create(CultureInfo.InvariantCulture, $"{Count(footprint, "totalFiles"):N0} files, {new Units.MemorySize(Math.Max(0, Count(footprint, "totalBytes")))}, {Number(footprint, "sensitiveShare") ?? 0:P1} sensitive"), Text(p, "guestViewMissing") is { Length: > 0 } w3 ? w3 : null));
        var users = p["userBehavior"];
        Context.WriteMarkupLine(Part("UserBehaviorModel", Observed("userBehavior"), $"{users?["users"]?.AsObject().Count ?? 0} anonymised user(s)",
            users?["consent"] is null ? "off: no consent recorded" : "consent recorded; no sessions seen yet"));
        var workload = ServerClient.Read<WorkloadJson>(p["workload"]!);
        Context.WriteMarkupLine("[bold]workload[/]: " + Markup.Escape($"{ServerViews.Describe(workload)}: {workload.Reason}"));
        var traits = ServerClient.Read<List<TraitJson>>(p["traits"]!);
        Context.WriteMarkupLine("[bold]WeightedTraitVector[/]: " + Markup.Escape(string.Join(", ", traits.Take(5).Select(ServerViews.Describe))));
        return ExitCodes.Success;
    }

    // A configuration value as the store keeps it: text as it is, numbers in the invariant culture.
    private static string? Raw(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        _ => value.ToJsonString(),
    };

    private static string Cycle(string? period, double? strength) => Markup.Escape(period is null
        ? "none stands out from noise"
        : string.Create(CultureInfo.InvariantCulture, $"{period} (strength {strength:0.00}) of CPU use"));

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
