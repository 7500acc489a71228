using System.Diagnostics;
using Vmorph.Cycles;
using Vmorph.Forecasting;
using Vmorph.Identity;
using Vmorph.Policies;
using Vmorph.Recommenders;
using Vmorph.Recommenders.References;
using Vmorph.Simulation.Output;
using Vmorph.Simulation.Replay;
using Vmorph.Simulation.Scoring;
using Vmorph.Sources;
using Vmorph.Traits;
using Vmorph.Triggers;

namespace Vmorph.Simulation;

/// <summary>
/// Runs a what-if simulation: reads the traces through an <see cref="ITraceReader"/>, resolves the policies, trains
/// what must be trained (the FastTree model pooled over the training VMs, the peer wake-up model), replays every VM
/// through every policy and baseline (<see cref="ReplayEngine"/>), and writes the decisions and plots asked for.
/// </summary>
public sealed class SimulationRunner(ITraceReader reader)
{
    /// <summary>Runs; expected failures (an unknown policy or baseline, a bad policy file) come back as errors.</summary>
    public Result<SimulationReport> Run(SimulationRequest request, IProgress<SimulationProgress>? progress, CancellationToken cancellationToken)
    {
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();

        var policies = ResolvePolicies(request.Policies);
        if (!policies.IsSuccess) return Result<SimulationReport>.Fail(policies.Errors);
        var baselines = ResolveBaselines(request.Baselines);
        if (!baselines.IsSuccess) return Result<SimulationReport>.Fail(baselines.Errors);
        var replayErrors = request.Replay.Validate();
        if (replayErrors.Count > 0) return Result<SimulationReport>.Fail([.. replayErrors]);
        // The names in table order: baselines, reference rules, vmorph's policies, the oracle.
        var ran = baselines.Value.Where(b => b != RecommenderCatalog.Oracle && !IsReferenceRule(b))
            .Concat(baselines.Value.Where(IsReferenceRule))
            .Concat(policies.Value.Select(p => p.Name))
            .Concat(baselines.Value.Where(b => b == RecommenderCatalog.Oracle))
            .ToList();
        var plotPolicies = ResolvePlotPolicies(request.PlotPolicies, ran);
        if (!plotPolicies.IsSuccess) return Result<SimulationReport>.Fail(plotPolicies.Errors);

        // Make the output places first: a replay should not end in "no such directory".
        if (request.DecisionsPath is { } decisionsPath && Path.GetDirectoryName(Path.GetFullPath(decisionsPath)) is { } decisionsDirectory)
            Directory.CreateDirectory(decisionsDirectory);
        if (request.PlotDirectory is { } plotDirectory) Directory.CreateDirectory(plotDirectory);
        if (request.FrontierPath is { } frontierPath && Path.GetDirectoryName(Path.GetFullPath(frontierPath)) is { } frontierDirectory)
            Directory.CreateDirectory(frontierDirectory);

        var loader = new TraceLoader(reader, request.NominalCores);
        var loaded = loader.Load(request.Traces, Progress(progress, "reading"), cancellationToken);
        var trained = request.Train.Count > 0 ? loader.Load(request.Train, Progress(progress, "reading training"), cancellationToken) : null;
        seconds["read"] = watch.Elapsed.TotalSeconds;
        // An unknown --plot-vm is found now, not after a replay of many minutes that would then plot nothing.
        var plotVmErrors = request.PlotDirectory is null ? [] : UnknownPlotVms(request.PlotVms, loaded.Series, request.Traces);
        if (plotVmErrors.Count > 0) return Result<SimulationReport>.Fail(plotVmErrors);
        var train = trained?.Series.ToDictionary(s => s.Vm) ?? new Dictionary<VmId, ReplaySeries>();

        // What the models may learn from: the training traces, or the steps before the evaluation starts.
        watch.Restart();
        var learnFrom = LearningSeries(loaded.Series, train, request.Replay.EvaluateFrom);
        var models = new Dictionary<string, string>(StringComparer.Ordinal);
        var underTest = new List<PolicyUnderTest>();
        var infos = new List<PolicyInfo>();
        foreach (var baseline in baselines.Value)
        {
            if (baseline == RecommenderCatalog.Oracle) continue;
            var factory = RecommenderCatalog.Find(baseline)!;
            underTest.Add(factory is Recommenders.Baselines.StaticRecommenderFactory ? PolicyUnderTest.Static() : PolicyUnderTest.Online(factory));
            infos.Add(new PolicyInfo(underTest[^1].Name, IsReferenceRule(baseline) ? PolicyInfo.Reference : PolicyInfo.Baseline, underTest[^1].Description, underTest[^1].Source));
        }
        var vmorphPolicies = new List<PolicyUnderTest>();
        // Policies that differ only in their risk share the models: one FastTree per horizon and time zone, one peer
        // model per wake share (both are deterministic, so sharing changes no result).
        var trainedModels = new Dictionary<(TimeSpan, string), FastTreeDemandModel?>();
        var learnedPeers = new Dictionary<double, PeerWakeModel>();
        // The policies fold the same trace into the same cycle rings: the dominant cycle is detected once for them all.
        var sharedCycles = new SharedCycleDetection();
        // Policies that forecast alike (vmorph-lean and vmorph: the same quantile) share their forecasts too.
        var forecastGroups = policies.Value.GroupBy(p => policies.Value.First(q => q == p || SharedForecasts.ForecastAlike(p, q)))
            .Where(g => g.Count() > 1)
            .ToDictionary(g => g.Key, g => new SharedForecasts(g.Count()));
        SharedForecasts? ForecastsOf(Policy policy) =>
            forecastGroups.FirstOrDefault(g => g.Key == policy || SharedForecasts.ForecastAlike(g.Key, policy)).Value;
        foreach (var policy in policies.Value)
        {
            progress?.Report(new SimulationProgress("training", 0, 1, policy.Name));
            var step = loaded.Series.Count > 0 ? loaded.Series[0].Step() : TimeSpan.FromMinutes(5);
            FastTreeDemandModel? model = null;
            if (learnFrom.Count > 0 && policy.Predictive is { Model: ForecastModel.Auto or ForecastModel.FastTree } predictive)
            {
                var key = (predictive.Horizon, policy.TimeZone.Id);
                if (!trainedModels.TryGetValue(key, out model))
                    trainedModels[key] = model = PolicyEngineFactory.TrainCpuModel(policy, learnFrom.Select(s => new TrainingSeries(s.UnixSeconds, s.Cores, Math.Max(s.ProvisionedCores[0], 0.1))), step, request.Seed);
            }
            var peers = PeerWakeModel.Empty;
            if (request.Peers && learnFrom.Count > 0 && policy.Demand is { } demandSettings && policy.Predictive is not null)
            {
                if (!learnedPeers.TryGetValue(demandSettings.Wake, out peers!))
                    learnedPeers[demandSettings.Wake] = peers = PolicyEngineFactory.LearnPeers(policy, learnFrom.ToDictionary(s => s.Vm, s => (s.UnixSeconds, s.Cores)));
            }
            var fleet = peers.Followers > 0 ? new FleetActivity(peers) : null;
            models[policy.Name] = (model is null
                    ? policy.Predictive is null ? "no forecaster" : learnFrom.Count == 0 ? "FastTree trained per VM as the replay goes (no training data)" : "FastTree: too little training data"
                    : $"FastTree: {model.TreeCount} trees on {model.TrainingRows:N0} rows pooled over {learnFrom.Count} VMs")
                + (peers.Followers > 0 ? $"; peer wake-ups: {peers.Followers} VMs have leaders" : "; no peer wake-ups");
            var factoryForPolicy = new PolicyEngineFactory(policy, request.Archetypes ?? ArchetypeCatalog.BuiltIn, model, autoApprove: true, fleet, sharedCycles, ForecastsOf(policy));
            var test = PolicyUnderTest.Online(factoryForPolicy);
            vmorphPolicies.Add(test);
            infos.Add(new PolicyInfo(policy.Name, PolicyInfo.Vmorph, test.Description, test.Source));
        }
        if (baselines.Value.Contains(RecommenderCatalog.Oracle))
        {
            var budget = request.OracleMorphsPerDay ?? (policies.Value.Count > 0 && policies.Value[0].MaxMorphsPerDay < int.MaxValue ? policies.Value[0].MaxMorphsPerDay : 4);
            var oracle = PolicyUnderTest.Oracle(budget);
            underTest.Add(oracle);
            infos.Add(new PolicyInfo(oracle.Name, PolicyInfo.OracleKind, oracle.Description, oracle.Source));
        }
        underTest.AddRange(vmorphPolicies);
        seconds["train"] = watch.Elapsed.TotalSeconds;

        watch.Restart();
        var keepFor = PlotVms(request, loaded.Series);
        var options = request.Replay with { KeepAllocations = request.DecisionsPath is not null, KeepFor = keepFor };
        var replayProgress = progress is null ? null : new InlineProgress<ReplayProgress>(p => progress.Report(new SimulationProgress("replaying", p.VmsDone, p.VmsTotal, p.Vm)));
        var result = ReplayEngine.Run(loaded.Series, train, underTest, options, replayProgress, cancellationToken);
        seconds["replay"] = watch.Elapsed.TotalSeconds;

        watch.Restart();
        long rows = 0;
        if (request.DecisionsPath is { } path)
        {
            progress?.Report(new SimulationProgress("writing", 0, 1, path));
            rows = DecisionsCsvWriter.Write(path, result.Tracks);
        }
        IReadOnlyList<string> plots = [];
        if (request.PlotDirectory is { } directory)
        {
            progress?.Report(new SimulationProgress("writing", 0, 1, directory));
            plots = AllocationPlotter.Plot(directory, [.. result.Tracks.Where(t => keepFor.Contains(t.Series.Vm))], "what-if replay (vmorph simulate)", plotPolicies.Value);
        }
        seconds["write"] = watch.Elapsed.TotalSeconds;

        var scoredSeries = loaded.Series.Select(s => ReplayEngine.Split(s, train, request.Replay).Scored).Where(s => s.Length > 0).ToList();
        var first = scoredSeries.Count > 0 ? scoredSeries.Min(s => s.UnixSeconds[0]) : (long?)null;
        var last = scoredSeries.Count > 0 ? scoredSeries.Max(s => s.UnixSeconds[^1]) : (long?)null;
        var notes = new List<string>(loaded.Notes);
        if (loaded.Series.Count > 0 && !loaded.Series.Any(s => s.HasMemory))
            notes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"CPU-only trace: CPU is a share of a nominal {request.NominalCores:0.##}-core VM (100 % = {request.NominalCores:0.##} cores); memory is not scored"));
        var order = infos.OrderBy(i => i.Kind switch { PolicyInfo.Baseline => 0, PolicyInfo.Reference => 1, PolicyInfo.OracleKind => 3, _ => 2 }).ToList();
        var scores = order.Select(i => result.Scores.First(s => s.Policy == i.Name)).ToList();
        string? frontier = null;
        if (request.FrontierPath is { } frontierFile && scores.Count > 0)
        {
            watch.Restart();
            progress?.Report(new SimulationProgress("writing", 0, 1, frontierFile));
            FrontierPlotter.Render(FrontierPlotModel.From(order, scores, "what-if replay (vmorph simulate): " + string.Join(", ", request.Traces.Select(Path.GetFileName))), frontierFile);
            frontier = frontierFile;
            seconds["write"] += watch.Elapsed.TotalSeconds;
        }
        return Result<SimulationReport>.Ok(new SimulationReport(
            order, scores, scoredSeries.Count, scores.FirstOrDefault()?.VmDays ?? 0,
            loaded.Files.Count + (trained?.Files.Count ?? 0), loaded.MissingRows + (trained?.MissingRows ?? 0),
            first is { } f ? DateTimeOffset.FromUnixTimeSeconds(f) : null,
            last is { } l ? DateTimeOffset.FromUnixTimeSeconds(l) : null,
            models, notes, rows, plots, seconds) { FrontierPlot = frontier });
    }

    /// <summary>Policies by built-in name or file; every error at once.</summary>
    public static Result<IReadOnlyList<Policy>> ResolvePolicies(IReadOnlyList<string> names)
    {
        var errors = new List<string>();
        var result = new List<Policy>();
        foreach (var name in names)
        {
            // A built-in name wins over a file of the same name in the working directory, unless it looks like a path.
            var looksLikePath = name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
                || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal);
            if (File.Exists(name) && (looksLikePath || PolicyCatalog.BuiltIn.Find(name) is null))
            {
                var documents = PolicyCatalog.BuiltInDocuments().Append((name, File.ReadAllText(name)));
                var catalog = PolicyCatalog.Build(documents);
                if (!catalog.IsSuccess)
                {
                    errors.AddRange(catalog.Errors);
                    continue;
                }
                var own = catalog.Value.Policies.Where(p => p.Source == name).ToList();
                if (own.Count == 0) errors.Add($"{name}: defines no policy");
                result.AddRange(own);
            }
            else if (PolicyCatalog.BuiltIn.Find(name) is { } builtIn)
            {
                result.Add(builtIn);
            }
            else
            {
                errors.Add($"--policy {name}: no such file, and no built-in policy of that name (built-in: {string.Join(", ", PolicyCatalog.BuiltIn.Policies.Select(p => p.Name))})");
            }
        }
        var duplicate = result.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) errors.Add($"--policy: the policy '{duplicate.Key}' is given twice");
        return errors.Count > 0 ? Result<IReadOnlyList<Policy>>.Fail(errors) : Result<IReadOnlyList<Policy>>.Ok(result);
    }

    /// <summary>Baselines by name; <c>all</c> expands to every one.</summary>
    public static Result<IReadOnlyList<string>> ResolveBaselines(IReadOnlyList<string> names)
    {
        var result = new List<string>();
        var errors = new List<string>();
        foreach (var name in names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase)) result.AddRange(RecommenderCatalog.Names.Concat(ReferenceRuleNames));
            else if (name.Equals("none", StringComparison.OrdinalIgnoreCase)) continue;
            else if (name.Equals(PeakRuleFactory.Keyword, StringComparison.OrdinalIgnoreCase)) result.AddRange(ReferenceRuleNames);
            else if (RecommenderCatalog.Names.Concat(ReferenceRuleNames).FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } known) result.Add(known);
            else errors.Add($"--baselines: '{name}' is not a baseline (known: {string.Join(", ", RecommenderCatalog.Names)}; the reference rules {PeakRuleFactory.Keyword} or one of them, e.g. {ReferenceRuleNames[0]}; or all)");
        }
        return errors.Count > 0 ? Result<IReadOnlyList<string>>.Fail(errors) : Result<IReadOnlyList<string>>.Ok([.. result.Distinct()]);
    }

    private static IReadOnlyList<string> ReferenceRuleNames { get; } = [.. RecommenderCatalog.ReferenceRules.Select(r => r.Name)];

    private static bool IsReferenceRule(string name) => ReferenceRuleNames.Contains(name);

    /// <summary>
    /// The policies to plot, in the order asked for (comma-separated lists allowed); empty asks for every policy that ran,
    /// in table order. A name that did not run is an error that lists the ones that did.
    /// </summary>
    /// <param name="requested">The names asked for (<c>--plot-policies</c>).</param>
    /// <param name="ran">The policies and baselines of the simulation, in table order.</param>
    public static Result<IReadOnlyList<string>> ResolvePlotPolicies(IReadOnlyList<string> requested, IReadOnlyList<string> ran)
    {
        var names = requested.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (names.Count == 0) return Result<IReadOnlyList<string>>.Ok(ran);
        var result = new List<string>();
        var errors = new List<string>();
        foreach (var name in names)
        {
            if (ran.FirstOrDefault(r => r.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } known)
            {
                if (!result.Contains(known)) result.Add(known);
            }
            else
            {
                errors.Add($"--plot-policies: '{name}' is not a policy of this simulation (these ran: {string.Join(", ", ran)}; add baselines with --baselines, vmorph policies with --policy)");
            }
        }
        return errors.Count > 0 ? Result<IReadOnlyList<string>>.Fail(errors) : Result<IReadOnlyList<string>>.Ok(result);
    }

    /// <summary>
    /// One error per <c>--plot-vm</c> that names no VM of the replayed traces (by id or by name), each naming the traces and
    /// a few VMs that are there.
    /// </summary>
    /// <param name="requested">The VMs asked for.</param>
    /// <param name="series">The VMs read from the traces.</param>
    /// <param name="traces">The trace paths, for the message.</param>
    public static IReadOnlyList<string> UnknownPlotVms(IReadOnlyList<string> requested, IReadOnlyList<ReplaySeries> series, IReadOnlyList<string> traces)
    {
        var errors = new List<string>();
        foreach (var vm in requested)
        {
            if (series.Any(s => s.Vm.Value == vm || s.Name == vm)) continue;
            var examples = series.Take(5).Select(s => s.Vm.Value == s.Name ? s.Name : $"{s.Name} ({s.Vm.Value})").ToList();
            var there = series.Count == 0
                ? "they hold no VMs"
                : $"they hold {series.Count} {(series.Count == 1 ? "VM" : "VMs")}, e.g. {string.Join(", ", examples)}";
            errors.Add($"--plot-vm {vm}: no such VM in {string.Join(", ", traces)}; {there} (name a VM by its name in the trace or by its id)");
        }
        return errors;
    }

    private static List<ReplaySeries> LearningSeries(IReadOnlyList<ReplaySeries> evaluate, IReadOnlyDictionary<VmId, ReplaySeries> train, DateTimeOffset? evaluateFrom)
    {
        var result = new List<ReplaySeries>();
        foreach (var series in evaluate)
        {
            var parts = new List<ReplaySeries>();
            var scoredStart = series.From(evaluateFrom?.ToUnixTimeSeconds());
            if (scoredStart.Length == 0) continue;
            if (train.TryGetValue(series.Vm, out var t))
            {
                var before = t.Before(scoredStart.UnixSeconds[0]);
                if (before.Length > 0) parts.Add(before);
            }
            if (evaluateFrom is { } from)
            {
                var before = series.Before(from.ToUnixTimeSeconds());
                if (before.Length > 0) parts.Add(before);
            }
            if (parts.Count > 0) result.Add(ReplaySeries.Concat(parts));
        }
        return result;
    }

    private static HashSet<VmId> PlotVms(SimulationRequest request, IReadOnlyList<ReplaySeries> series)
    {
        if (request.PlotDirectory is null) return [];
        if (request.PlotVms.Count > 0)
            return [.. series.Where(s => request.PlotVms.Contains(s.Vm.Value) || request.PlotVms.Contains(s.Name)).Select(s => s.Vm)];
        // The four busiest VMs by mean CPU.
        return [.. series.OrderByDescending(s => s.Cores.Where(c => !double.IsNaN(c)).DefaultIfEmpty(0).Average()).Take(4).Select(s => s.Vm)];
    }

    private static IProgress<(int Done, int Total, string File)>? Progress(IProgress<SimulationProgress>? progress, string phase) =>
        progress is null ? null : new InlineProgress<(int Done, int Total, string File)>(p => progress.Report(new SimulationProgress(phase, p.Done, p.Total, Path.GetFileName(p.File))));

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
