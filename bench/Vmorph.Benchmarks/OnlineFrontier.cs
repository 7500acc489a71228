using System.Globalization;
using Vmorph.Identity;
using Vmorph.Recommenders.References;
using Vmorph.Simulation;
using Vmorph.Simulation.Replay;
using Vmorph.Simulation.Scoring;
using Vmorph.Traces;

namespace Vmorph.Benchmarks;

/// <summary>
/// How far can an online policy get on a trace? Replays vmorph, every baseline and the oracle (through
/// <see cref="SimulationRunner"/>, exactly as <c>vmorph simulate</c> does), then a family of reference rules that
/// follow the usage as closely as they like: "the peak of the last W, times h", re-decided at every step with no
/// morph budget. Each rule is run with the real decision delay and again with none, a relaxation that lets it see one
/// step more than any online policy may. The report says whether any of them is better than every baseline at once,
/// and what the least slack is at the best baseline's unserved demand, and the least unserved demand at the leanest
/// baseline's slack: the corner the goal asks for. See docs/BENCHMARKS.md, "Can an online policy reach the goal?".
/// </summary>
internal static class OnlineFrontier
{
    private static readonly (string Name, TimeSpan Window)[] Windows =
    [
        ("5m", TimeSpan.FromMinutes(5)), ("1h", TimeSpan.FromHours(1)), ("6h", TimeSpan.FromHours(6)),
        ("1d", TimeSpan.FromDays(1)), ("3d", TimeSpan.FromDays(3)), ("7d", TimeSpan.FromDays(7)),
    ];

    private static readonly double[] Headrooms = [1.0, 1.25, 1.5];

    public static int Run(string[] args, TextWriter output)
    {
        var traces = new List<string>();
        var train = new List<string>();
        DateTimeOffset? evaluateFrom = null;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--trace" when value is not null: traces.Add(value); i++; break;
                case "--train" when value is not null: train.Add(value); i++; break;
                case "--evaluate-from" when value is not null:
                    evaluateFrom = DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal); i++; break;
                default:
                    Console.Error.WriteLine($"frontier: unknown or incomplete argument '{args[i]}'. Usage: frontier --trace PATH... [--train PATH...] [--evaluate-from TIME]");
                    return 2;
            }
        }
        if (traces.Count == 0)
        {
            Console.Error.WriteLine("frontier: give at least one --trace PATH");
            return 2;
        }

        var replay = new ReplayOptions { EvaluateFrom = evaluateFrom };
        var simulated = new SimulationRunner(new TraceReader()).Run(
            new SimulationRequest { Traces = traces, Train = train, Baselines = ["static,vpa,autopilot-mw,autopilot-ml,aws-co,oracle"], Policies = ["vmorph-lean", "vmorph", "vmorph-safe"], Replay = replay },
            null, CancellationToken.None);
        if (!simulated.IsSuccess)
        {
            foreach (var error in simulated.Errors) Console.Error.WriteLine("frontier: " + error);
            return 1;
        }
        var report = simulated.Value;
        var baselines = report.Scores.Zip(report.Policies).Where(p => p.Second.Kind == "baseline").Select(p => p.First).ToList();

        var loader = new TraceLoader(new TraceReader());
        var series = loader.Load(traces, null, CancellationToken.None).Series;
        var history = train.Count > 0 ? loader.Load(train, null, CancellationToken.None).Series.ToDictionary(s => s.Vm) : new Dictionary<VmId, ReplaySeries>();
        var rules = Windows.SelectMany(w => Headrooms.Select(h => PolicyUnderTest.Online(new PeakRuleFactory(w.Name, w.Window, h)))).ToList();
        var rows = new List<(string Delay, PolicyScore Score)>();
        foreach (var delay in new[] { replay.Delay, TimeSpan.Zero })
        {
            var result = ReplayEngine.Run(series, history, rules, replay with { Delay = delay }, null, CancellationToken.None);
            rows.AddRange(result.Scores.Select(s => (Format(delay), s)));
        }

        output.WriteLine($"{report.Vms} VMs, {report.VmDays:N0} VM-days scored; decisions take effect {Format(replay.Delay)} later unless the row says otherwise.");
        output.WriteLine();
        output.WriteLine("| policy or rule | delay | CPU slack | CPU short | unserved | morphs/VM-day | better than |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var (score, info) in report.Scores.Zip(report.Policies))
            output.WriteLine(Row(score, Format(replay.Delay), info.Kind == "baseline" ? "" : Beaten(score, baselines)));
        foreach (var (delay, score) in rows) output.WriteLine(Row(score, delay, Beaten(score, baselines)));

        // The corner the goal asks for: less slack than the leanest baseline, no more shortfall than the safest.
        var leanest = baselines.MinBy(b => b.CpuSlack)!;
        var fewestUnserved = baselines.MinBy(b => b.CpuUnservedShare)!;
        var fewestSteps = baselines.MinBy(b => b.CpuShortfallShare)!;
        output.WriteLine();
        output.WriteLine(Invariant($"The goal's corner: slack below {leanest.CpuSlack:P1} ({leanest.Policy}), shortfall steps at most {fewestSteps.CpuShortfallShare:P3} ({fewestSteps.Policy}), unserved at most {fewestUnserved.CpuUnservedShare:P3} ({fewestUnserved.Policy})."));
        var all = report.Scores.Zip(report.Policies).Where(p => p.Second.Kind != "oracle").Select(p => (Delay: Format(replay.Delay), Score: p.First)).Concat(rows).ToList();
        var inCorner = all.Where(r => Beaten(r.Score, baselines) == "all").ToList();
        output.WriteLine(inCorner.Count == 0
            ? "No online policy or rule above is in it."
            : "In it: " + string.Join(", ", inCorner.Select(r => $"{r.Score.Policy} (delay {r.Delay})")));
        var safe = all.Where(r => r.Score.CpuUnservedShare <= fewestUnserved.CpuUnservedShare).MinBy(r => r.Score.CpuSlack);
        if (safe.Score is not null)
            output.WriteLine(Invariant($"Least slack at unserved <= {fewestUnserved.CpuUnservedShare:P3}: {safe.Score.Policy} (delay {safe.Delay}), {safe.Score.CpuSlack:P1}."));
        var lean = all.Where(r => r.Score.CpuSlack < leanest.CpuSlack).MinBy(r => r.Score.CpuUnservedShare);
        if (lean.Score is not null)
            output.WriteLine(Invariant($"Least unserved at slack < {leanest.CpuSlack:P1}: {lean.Score.Policy} (delay {lean.Delay}), {lean.Score.CpuUnservedShare:P3} unserved, {lean.Score.CpuShortfallShare:P3} shortfall steps, {lean.Score.MorphsPerVmDay:0.00} morphs/VM-day."));
        return 0;
    }

    /// <summary>The baselines a score beats (less slack, no more shortfall steps or unserved demand), or "all".</summary>
    private static string Beaten(PolicyScore score, IReadOnlyList<PolicyScore> baselines)
    {
        var beaten = baselines.Where(b => score.CpuSlack < b.CpuSlack && score.CpuShortfallShare <= b.CpuShortfallShare && score.CpuUnservedShare <= b.CpuUnservedShare)
            .Select(b => b.Policy).ToList();
        return beaten.Count == baselines.Count ? "all" : beaten.Count == 0 ? "none" : string.Join(", ", beaten);
    }

    private static string Row(PolicyScore s, string delay, string beaten) =>
        Invariant($"| {s.Policy} | {delay} | {s.CpuSlack:P1} | {s.CpuShortfallShare:P3} | {s.CpuUnservedShare:P3} | {s.MorphsPerVmDay:0.00} | {beaten} |");

    private static string Format(TimeSpan delay) => delay == TimeSpan.Zero ? "0 (relaxed)" : $"{delay.TotalMinutes:0}m";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
