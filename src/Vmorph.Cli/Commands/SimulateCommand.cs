using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Policies;
using Vmorph.Recommenders;
using Vmorph.Simulation;
using Vmorph.Simulation.Replay;
using Vmorph.Simulation.Scoring;
using Vmorph.Traces;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph simulate --trace PATH...</c>: the what-if simulator. Replays real traces through vmorph's policies and the
/// baselines (online, no look-ahead, decisions taking effect after a delay) and prints how each did.
/// </summary>
public sealed class SimulateCommand(CliContext context) : VmorphCommand<SimulateCommand.Settings>(context)
{
    /// <summary>Options of <c>simulate</c>.</summary>
    public sealed class Settings : GlobalSettings
    {
        /// <summary>Traces to replay.</summary>
        [CommandOption("--trace <PATH>")]
        [Description("Trace file or directory to replay and score (repeatable). Formats are detected from content.")]
        public string[] Traces { get; init; } = [];

        /// <summary>Traces to train on first.</summary>
        [CommandOption("--train <PATH>")]
        [Description("Trace file or directory of the same VMs to warm up and train on before the replay (repeatable). Without it, models learn only from the replayed trace as it goes.")]
        public string[] Train { get; init; } = [];

        /// <summary>vmorph policies.</summary>
        [CommandOption("--policy <NAME|FILE>")]
        [Description("A built-in policy (vmorph-lean, vmorph, vmorph-safe, conservative, office-hours) or a policy YAML file (repeatable). Default: vmorph.")]
        public string[] Policies { get; init; } = [];

        /// <summary>Baselines.</summary>
        [CommandOption("--baselines <LIST>")]
        [Description("Comma-separated baselines to compare with: static, vpa, autopilot-mw, autopilot-ml, aws-co, oracle; the reference rules peak-rules (peak-1h-x1.0 ... peak-24h-x1.5); or all.")]
        public string? Baselines { get; init; }

        /// <summary>Where scoring starts.</summary>
        [CommandOption("--evaluate-from <TIME>")]
        [Description("Score only from this time (ISO 8601, UTC unless an offset is given); earlier steps warm the policies up.")]
        public string? EvaluateFrom { get; init; }

        /// <summary>Decision delay.</summary>
        [CommandOption("--delay <DURATION>")]
        [Description("How long after a decision it takes effect (default 5m, one step).")]
        public string? Delay { get; init; }

        /// <summary>The decisions CSV.</summary>
        [CommandOption("--decisions <FILE>")]
        [Description("Write every decision as CSV (policy,vm,timestamp,resource,usage,allocation); .gz compresses.")]
        public string? Decisions { get; init; }

        /// <summary>The plot directory.</summary>
        [CommandOption("--plot <DIR>")]
        [Description("Write PNG plots into DIR: per VM, <vm>-cpu.png (and <vm>-memory.png), one panel per policy with usage, allocation and shortfalls shaded.")]
        public string? Plot { get; init; }

        /// <summary>VMs to plot.</summary>
        [CommandOption("--plot-vm <VM>")]
        [Description("A VM to plot, by its name in the trace (17) or its id (bitbrains:17) (repeatable; default: the four busiest). Needs --plot.")]
        public string[] PlotVms { get; init; } = [];

        /// <summary>Policies to plot.</summary>
        [CommandOption("--plot-policies <LIST>")]
        [Description("Comma-separated policies to draw a panel for, in this order, e.g. vmorph,vpa (default: every policy that ran). Needs --plot.")]
        public string[] PlotPolicies { get; init; } = [];

        /// <summary>The frontier plot.</summary>
        [CommandOption("--frontier <FILE>")]
        [Description("Write the frontier as a PNG: mean CPU allocated against shortfall steps and unserved demand, one point per policy (default frontier.png when the reference rules run, i.e. with --baselines all or peak-rules).")]
        public string? Frontier { get; init; }

        /// <summary>CPU step.</summary>
        [CommandOption("--cpu-step <CORES>")]
        [Description("CPU allocation granularity in cores, the same for every policy (default 0.1: a 10 % CPU quota step).")]
        public double? CpuStep { get; init; }

        /// <summary>Memory step.</summary>
        [CommandOption("--memory-step <MIB>")]
        [Description("Memory allocation granularity in MiB (default 64).")]
        public double? MemoryStep { get; init; }

        /// <summary>Nominal capacity of CPU-only traces.</summary>
        [CommandOption("--nominal-cores <CORES>")]
        [Description("Cores of a VM of a CPU-only trace (Azure, PlanetLab): 100 % = this many cores (default 1).")]
        public double? NominalCores { get; init; }

        /// <summary>The oracle's budget.</summary>
        [CommandOption("--oracle-morphs <N>")]
        [Description("Morphs per day the oracle may make (default: the first policy's max-morphs-per-day).")]
        public int? OracleMorphs { get; init; }

        /// <summary>Turn off the peer forecast.</summary>
        [CommandOption("--no-peers")]
        [Description("Do not let VMs learn from each other's wake-ups (each VM on its own).")]
        public bool NoPeers { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate()
        {
            if (Traces.Length == 0) return ValidationResult.Error("simulate: name one or more traces with --trace PATH");
            if (Plot is null && (PlotVms.Length > 0 || PlotPolicies.Length > 0))
                return ValidationResult.Error($"simulate: {(PlotVms.Length > 0 ? "--plot-vm" : "--plot-policies")} chooses what --plot draws, and nothing is plotted without it: add --plot DIR");
            return ValidationResult.Success();
        }
    }

    /// <inheritdoc />
    protected override Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var request = BuildRequest(settings) with { Archetypes = Context.LoadCatalog(settings) };
        var runner = new SimulationRunner(new TraceReader());
        Result<SimulationReport> outcome;
        if (!Context.ShowsProgress(settings))
        {
            outcome = runner.Run(request, null, cancellationToken);
        }
        else
        {
            outcome = Context.ErrorConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(progress =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    var reporter = new SynchronousProgress<SimulationProgress>(p =>
                    {
                        lock (tasks)
                        {
                            if (!tasks.TryGetValue(p.Phase, out var task)) tasks[p.Phase] = task = progress.AddTask(p.Phase, maxValue: Math.Max(1, p.Total));
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                            task.Description = Markup.Escape($"{p.Phase} {p.Item}");
                        }
                    });
                    var result = runner.Run(request, reporter, cancellationToken);
                    foreach (var task in tasks.Values) task.Value = task.MaxValue;
                    return result;
                });
        }
        if (!outcome.IsSuccess) throw new CliException("simulate: " + string.Join("\n  ", outcome.Errors));
        var report = outcome.Value;
        if (settings.Json) WriteJson(SimulationJson.From(report, request));
        else Render(report, request, settings);
        if (request.PlotDirectory is { } plotDirectory) ReportPlots(report.Plots, plotDirectory);
        if (report.FrontierPlot is { } frontier) Context.Error.WriteLine($"vmorph: frontier plot written: {frontier}");
        return Task.FromResult(ExitCodes.Success);
    }

    /// <summary>Where the frontier plot goes when the reference rules run and <c>--frontier</c> is not given.</summary>
    public const string DefaultFrontierPath = "frontier.png";

    private static SimulationRequest BuildRequest(Settings settings)
    {
        var errors = new List<string>();
        DateTimeOffset? from = null;
        if (settings.EvaluateFrom is { } text)
        {
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) from = parsed;
            else errors.Add($"--evaluate-from: '{text}' is not a time (write 2013-08-01 or 2013-08-01T00:00:00Z)");
        }
        var delay = TimeSpan.FromMinutes(5);
        if (settings.Delay is { } d && !ValueParsers.TryDuration(d, out delay))
            errors.Add($"--delay: '{d}' is not a duration (write 0s, 5m or 10m)");
        if (settings.CpuStep is { } cs && !(cs > 0)) errors.Add("--cpu-step: must be positive");
        if (settings.MemoryStep is { } ms && !(ms > 0)) errors.Add("--memory-step: must be positive");
        if (settings.NominalCores is { } nc && !(nc > 0)) errors.Add("--nominal-cores: must be positive");
        if (settings.OracleMorphs is { } om && om < 0) errors.Add("--oracle-morphs: must not be negative");
        if (errors.Count > 0) throw new CliException("simulate: " + string.Join("\n  ", errors), ExitCodes.Usage);
        var grid = AllocationGrid.Default;
        if (settings.CpuStep is { } step) grid = grid with { CoreStep = step, MinCores = step };
        if (settings.MemoryStep is { } mstep) grid = grid with { MemoryStepMiB = mstep, MinMemoryMiB = Math.Max(mstep, grid.MinMemoryMiB) };
        var baselines = settings.Baselines is { } b ? new[] { b } : [];
        // The frontier is drawn by default when the reference rules run: that is what they are for.
        var frontier = settings.Frontier ?? (SimulationRunner.ResolveBaselines(baselines) is { IsSuccess: true } resolved
            && resolved.Value.Any(n => RecommenderCatalog.ReferenceRules.Any(r => r.Name == n)) ? DefaultFrontierPath : null);
        return new SimulationRequest
        {
            Traces = settings.Traces,
            Train = settings.Train,
            Policies = settings.Policies.Length > 0 ? settings.Policies : [PolicyCatalog.DefaultPolicy],
            Baselines = baselines,
            Replay = new ReplayOptions { Grid = grid, Delay = delay, EvaluateFrom = from },
            NominalCores = settings.NominalCores ?? TraceLoader.DefaultNominalCores,
            OracleMorphsPerDay = settings.OracleMorphs,
            Peers = !settings.NoPeers,
            DecisionsPath = settings.Decisions,
            PlotDirectory = settings.Plot,
            PlotVms = settings.PlotVms,
            PlotPolicies = settings.PlotPolicies,
            FrontierPath = frontier,
        };
    }

    private void Render(SimulationReport report, SimulationRequest request, GlobalSettings settings)
    {
        var memory = report.Scores.Any(s => s.MemoryShortfallSteps is not null);
        var columns = new List<ViewColumn>
        {
            new("policy"),
            new("CPU slack") { RightAligned = true },
            new("CPU short") { RightAligned = true },
            new("unserved") { RightAligned = true },
        };
        if (memory) columns.Add(new("mem short") { RightAligned = true });
        columns.Add(new("morphs/d") { RightAligned = true });
        columns.Add(new("cores") { RightAligned = true });
        var table = new TableView(columns);
        foreach (var s in report.Scores)
        {
            var cells = new List<string>
            {
                s.Policy,
                Percent(s.CpuSlack),
                Percent(s.CpuShortfallShare, 3),
                Percent(s.CpuUnservedShare, 3),
            };
            if (memory) cells.Add(s.MemoryShortfallSteps?.ToString(CultureInfo.InvariantCulture) ?? TableView.Empty);
            cells.Add(s.MorphsPerVmDay.ToString("0.00", CultureInfo.InvariantCulture));
            cells.Add(s.MeanCpuAllocated.ToString("0.00", CultureInfo.InvariantCulture));
            table.AddRow(cells);
        }
        Context.WriteTable(table, settings);
        Context.Hint("CPU slack: unused share of allocated CPU; CPU short: share of steps where use exceeded the allocation; unserved: share of CPU demand not served; mem short: steps where memory use exceeded the allocation (would-be OOMs); morphs/d: allocation changes per VM-day; cores: mean CPU allocated");
        Context.WriteMarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{report.Vms} VMs, {report.VmDays:0.#} VM-days scored from {report.EvaluatedFrom:yyyy-MM-dd HH:mm} to {report.EvaluatedUntil:yyyy-MM-dd HH:mm} UTC; decisions take effect {ValueParsers.Format(request.Replay.Delay)} later; {request.Replay.Grid}")));
        foreach (var line in GoalLines(new FrontierVerdict(report.Policies, report.Scores))) Context.WriteMarkupLine(Markup.Escape(line));
        foreach (var info in report.Policies.Where(p => p.Kind == PolicyInfo.Vmorph))
            if (report.Models.TryGetValue(info.Name, out var model)) Context.WriteMarkupLine(Markup.Escape($"  {info.Name}: {model}"));
        foreach (var note in report.Notes) Context.Hint("note: " + note);
        if (report.DecisionRows > 0) Context.Hint($"decisions: {report.DecisionRows:N0} rows in {request.DecisionsPath}");
        Context.Hint(string.Create(CultureInfo.InvariantCulture,
            $"replay driver: trace files, not live VMs; took {report.Seconds.Values.Sum():0.0} s (read {report.Seconds["read"]:0.0}, train {report.Seconds["train"]:0.0}, replay {report.Seconds["replay"]:0.0}, write {report.Seconds["write"]:0.0})"));
    }

    /// <summary>Says on standard error which plot files were written, or that none were.</summary>
    private void ReportPlots(IReadOnlyList<string> plots, string directory)
    {
        if (plots.Count == 0)
        {
            Context.Error.WriteLine($"vmorph: plots: nothing written to {directory} (no VM chosen to plot had a scored step)");
            return;
        }
        Context.Error.WriteLine($"vmorph: plots: {plots.Count} PNG {(plots.Count == 1 ? "file" : "files")} written:");
        foreach (var plot in plots) Context.Error.WriteLine("  " + plot);
    }

    /// <summary>
    /// The goal, read off the table: for each baseline, the vmorph policies that beat it on its own ground (less CPU at
    /// no more shortfall); for each vmorph policy, the reference rules that beat it on all three, and its oracle gap.
    /// </summary>
    internal static IEnumerable<string> GoalLines(FrontierVerdict verdict)
    {
        foreach (var (baseline, beatenBy) in verdict.Baselines())
            yield return beatenBy.Count > 0
                ? $"{baseline.Policy}: beaten by {string.Join(", ", beatenBy)} (less CPU, no more short steps, unserved demand or memory shortfall)"
                : $"{baseline.Policy}: no vmorph policy here allocates less CPU at no more shortfall";
        foreach (var (policy, dominatedBy) in verdict.Presets())
        {
            var gap = verdict.OracleGap(policy);
            var oracle = gap is { } g
                ? string.Create(CultureInfo.InvariantCulture, $"; {g.Cores:0.00} cores per VM above the oracle") + (g.ShareOfStaticGap is { } share ? string.Create(CultureInfo.InvariantCulture, $", {share:P0} of static's gap") : "")
                : "";
            yield return (dominatedBy.Count > 0
                ? $"{policy.Policy}: beaten on allocation, short steps and unserved demand by {string.Join(", ", dominatedBy)}"
                : $"{policy.Policy}: no reference rule that ran beats it on allocation, short steps and unserved demand at once") + oracle;
        }
    }

    private static string Percent(double value, int decimals = 1) =>
        (value * 100).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";

    /// <summary>Reports on the calling thread.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary><c>vmorph simulate --output json</c>: the table and what produced it.</summary>
/// <param name="Vms">VMs scored.</param>
/// <param name="VmDays">VM-days scored.</param>
/// <param name="EvaluatedFrom">First scored step.</param>
/// <param name="EvaluatedUntil">Last scored step.</param>
/// <param name="DelaySeconds">Decision delay.</param>
/// <param name="Grid">The allocation grid.</param>
/// <param name="Policies">One entry per policy, in table order.</param>
/// <param name="Models">What was trained, per vmorph policy.</param>
/// <param name="Notes">Notes from the traces and the replay.</param>
/// <param name="DecisionRows">Rows written to the decisions file.</param>
/// <param name="Plots">Plot files written.</param>
/// <param name="Seconds">Wall time per phase.</param>
public sealed record SimulationJson(
    int Vms,
    double VmDays,
    DateTimeOffset? EvaluatedFrom,
    DateTimeOffset? EvaluatedUntil,
    double DelaySeconds,
    string Grid,
    IReadOnlyList<SimulationPolicyJson> Policies,
    IReadOnlyDictionary<string, string> Models,
    IReadOnlyList<string> Notes,
    long DecisionRows,
    IReadOnlyList<string> Plots,
    IReadOnlyDictionary<string, double> Seconds)
{
    /// <summary>From a report.</summary>
    public static SimulationJson From(SimulationReport report, SimulationRequest request) => new(
        report.Vms,
        Math.Round(report.VmDays, 3),
        report.EvaluatedFrom,
        report.EvaluatedUntil,
        request.Replay.Delay.TotalSeconds,
        request.Replay.Grid.ToString(),
        [.. report.Scores.Zip(report.Policies).Select(p => SimulationPolicyJson.From(p.First, p.Second))],
        report.Models,
        report.Notes,
        report.DecisionRows,
        report.Plots,
        report.Seconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)));
}

/// <summary>One policy's row of <c>vmorph simulate --output json</c> (shares are fractions, 0 to 1).</summary>
public sealed record SimulationPolicyJson(
    string Policy,
    string Kind,
    string Description,
    string Source,
    double CpuSlack,
    double CpuShortfallShare,
    double CpuUnservedShare,
    long CpuShortfallSteps,
    long? MemoryShortfallSteps,
    double? MemoryShortfallShare,
    double? MemorySlack,
    long Morphs,
    double MorphsPerVmDay,
    double MeanCpuAllocated,
    double MeanCpuUsed,
    IReadOnlyDictionary<string, long> Counters)
{
    /// <summary>From a score.</summary>
    public static SimulationPolicyJson From(PolicyScore s, PolicyInfo info) => new(
        s.Policy, info.Kind, info.Description, info.Source,
        Math.Round(s.CpuSlack, 6), Math.Round(s.CpuShortfallShare, 6), Math.Round(s.CpuUnservedShare, 6), s.CpuShortfallSteps,
        s.MemoryShortfallSteps, s.MemoryShortfallShare is { } m ? Math.Round(m, 6) : null, s.MemorySlack is { } ms ? Math.Round(ms, 6) : null,
        s.Morphs, Math.Round(s.MorphsPerVmDay, 4), Math.Round(s.MeanCpuAllocated, 4), Math.Round(s.MeanCpuUsed, 4), s.Counters);
}
