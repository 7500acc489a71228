using System.Collections.Immutable;
using System.Globalization;

namespace Vmorph.Guard;

/// <summary>
/// The guard of the seed's <c>RollbackMechanism</c>: compares the VM's signals in the observation window after a morph
/// with the baseline window before it, and rolls back only on a degradation that is both statistically significant
/// (one-sided Mann–Whitney U for the metrics, Fisher's exact or a binomial test for the health probe, at the policy's
/// level shared over the signals judged) and at least as large as the signal's minimum effect. Signals: CPU saturation,
/// memory pressure (major faults and swap-in, else memory utilisation), disk latency, disk throughput collapse, and the
/// health probe. Pure; the verdict holds every number.
/// </summary>
public static class DegradationGuard
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Judges a morph from the samples before (<paramref name="baseline"/>) and after (<paramref name="observed"/>) it.</summary>
    public static GuardVerdict Judge(
        IReadOnlyList<GuardSample> baseline,
        IReadOnlyList<GuardSample> observed,
        GuardPolicy? policy = null,
        IReadOnlyList<ProbeResult>? baselineProbes = null,
        IReadOnlyList<ProbeResult>? observedProbes = null)
    {
        policy ??= GuardPolicy.Default;
        var valid = policy.Validate();
        if (!valid.IsSuccess) throw new ArgumentException(string.Join("; ", valid.Errors), nameof(policy));

        var cpu = Series(baseline, observed, s => s.CpuUtilisation);
        var pressureBefore = baseline.Where(HasFaults).Select(Pressure).ToList();
        var pressureAfter = observed.Where(HasFaults).Select(Pressure).ToList();
        var usePressure = pressureBefore.Count >= policy.MinimumSamples && pressureAfter.Count >= policy.MinimumSamples;
        var memory = usePressure ? (pressureBefore, pressureAfter) : Series(baseline, observed, s => s.MemoryUtilisation);
        var latency = Series(baseline, observed, s => s.DiskLatencySeconds);
        var throughput = Series(baseline, observed, s => s.DiskThroughputBytesPerSecond);

        bool Enough((List<double> Before, List<double> After) s) => s.Before.Count >= policy.MinimumSamples && s.After.Count >= policy.MinimumSamples;
        var probesJudged = (observedProbes?.Count ?? 0) >= policy.MinimumProbes;
        var judged = new[] { Enough(cpu), Enough(memory), Enough(latency), Enough(throughput), probesJudged }.Count(x => x);
        var alpha = policy.SignificanceLevel / Math.Max(1, judged);

        var signals = ImmutableArray.Create(
            Cpu(cpu, Enough(cpu), alpha, policy),
            usePressure ? Pressure(memory, alpha, policy) : MemoryUtilisation(memory, Enough(memory), alpha, policy),
            Latency(latency, Enough(latency), alpha, policy),
            Throughput(throughput, Enough(throughput), alpha, policy),
            Probe(baselineProbes, observedProbes, alpha, policy));

        var degraded = signals.Where(s => s.Outcome == SignalOutcome.Degraded).ToList();
        if (degraded.Count > 0)
            return new GuardVerdict(GuardDecision.RollBack, signals, false, "roll back: " + string.Join("; ", degraded.Select(d => d.Reason)));
        if (judged == 0)
        {
            var why = "no signal had enough data to judge (" + string.Join("; ", signals.Select(s => s.Reason)) + ")";
            return policy.RollBackWhenInconclusive
                ? new GuardVerdict(GuardDecision.RollBack, signals, true, "roll back: " + why + "; the policy rolls back when it cannot judge")
                : new GuardVerdict(GuardDecision.Keep, signals, true, "keep: " + why);
        }
        var notes = signals.Where(s => s.Outcome == SignalOutcome.Unchanged && s.PValue < s.Alpha).Select(s => s.Reason).ToList();
        var names = string.Join(", ", signals.Where(s => s.Outcome != SignalOutcome.InsufficientData).Select(s => s.Name));
        return new GuardVerdict(GuardDecision.Keep, signals, false,
            $"keep: no signal degraded ({judged} judged: {names})" + (notes.Count > 0 ? "; " + string.Join("; ", notes) : ""));
    }

    private static bool HasFaults(GuardSample s) => s.MajorFaultsPerSecond is not null || s.SwapInBytesPerSecond is not null;

    // Pages brought back from disk per second: major faults plus swapped-in bytes in 4 KiB pages.
    private static double Pressure(GuardSample s) => (s.MajorFaultsPerSecond ?? 0) + (s.SwapInBytesPerSecond ?? 0) / 4096;

    private static (List<double> Before, List<double> After) Series(IReadOnlyList<GuardSample> baseline, IReadOnlyList<GuardSample> observed, Func<GuardSample, double?> pick) =>
        ([.. baseline.Select(pick).Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value)],
         [.. observed.Select(pick).Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value)]);

    private static SignalJudgement Cpu((List<double> Before, List<double> After) s, bool enough, double alpha, GuardPolicy policy)
    {
        const string name = "cpu.saturation";
        if (!enough) return NotJudged(GuardSignal.CpuSaturation, name, s, policy.MinimumSamples, policy.CpuMinimumIncrease);
        var (u, p) = RankTests.MannWhitneyGreater(s.Before, s.After);
        double before = RankTests.Median(s.Before), after = RankTests.Median(s.After), effect = after - before;
        var change = $"median utilisation {N(before)} -> {N(after)} ({Signed(effect)})";
        var significant = p < alpha;
        var large = effect >= policy.CpuMinimumIncrease;
        var saturated = after >= policy.CpuSaturationLevel;
        var reason = significant && large && saturated
            ? $"{name} degraded: {change} >= {N(policy.CpuMinimumIncrease)} and at or above the saturation level {N(policy.CpuSaturationLevel)}, p = {P(p)} < {P(alpha)}"
            : !significant ? $"{name} unchanged: {change}, p = {P(p)} >= {P(alpha)}"
            : !large ? $"{name} unchanged: {change} is significant (p = {P(p)}) but below the minimum effect {N(policy.CpuMinimumIncrease)}"
            : $"{name} unchanged: {change} is significant (p = {P(p)}) but the median stays below the saturation level {N(policy.CpuSaturationLevel)}";
        return new SignalJudgement(GuardSignal.CpuSaturation, name, significant && large && saturated ? SignalOutcome.Degraded : SignalOutcome.Unchanged,
            "mann-whitney-u", s.Before.Count, s.After.Count, before, after, u, p, alpha, effect, policy.CpuMinimumIncrease, reason);
    }

    private static SignalJudgement Pressure((List<double> Before, List<double> After) s, double alpha, GuardPolicy policy)
    {
        const string name = "memory.pressure";
        // Faults come in bursts over mostly-zero samples, so the effect is the change of the mean, not the median.
        var (u, p) = RankTests.MannWhitneyGreater(s.Before, s.After);
        double before = s.Before.Average(), after = s.After.Average(), effect = after - before;
        var change = $"mean major faults + swap-in {N(before)} -> {N(after)} pages/s ({Signed(effect)})";
        return Judged(GuardSignal.MemoryPressure, name, s, u, p, alpha, before, after, effect, policy.MemoryPressureMinimumIncrease, change, N(policy.MemoryPressureMinimumIncrease) + " pages/s");
    }

    private static SignalJudgement MemoryUtilisation((List<double> Before, List<double> After) s, bool enough, double alpha, GuardPolicy policy)
    {
        const string name = "memory.pressure";
        if (!enough) return NotJudged(GuardSignal.MemoryPressure, name, s, policy.MinimumSamples, policy.MemoryUtilisationMinimumIncrease);
        var (u, p) = RankTests.MannWhitneyGreater(s.Before, s.After);
        double before = RankTests.Median(s.Before), after = RankTests.Median(s.After), effect = after - before;
        var change = $"median memory utilisation {N(before)} -> {N(after)} ({Signed(effect)}; no fault counters)";
        var judgement = Judged(GuardSignal.MemoryPressure, name, s, u, p, alpha, before, after, effect, policy.MemoryUtilisationMinimumIncrease, change, N(policy.MemoryUtilisationMinimumIncrease));
        if (judgement.Outcome == SignalOutcome.Degraded && after < policy.MemoryUtilisationLevel)
            return judgement with { Outcome = SignalOutcome.Unchanged, Reason = $"{name} unchanged: {change} is significant (p = {P(p)}) but stays below the pressure level {N(policy.MemoryUtilisationLevel)}" };
        return judgement;
    }

    private static SignalJudgement Latency((List<double> Before, List<double> After) s, bool enough, double alpha, GuardPolicy policy)
    {
        const string name = "disk.latency";
        if (!enough) return NotJudged(GuardSignal.DiskLatency, name, s, policy.MinimumSamples, policy.DiskLatencyMinimumRelativeIncrease);
        var (u, p) = RankTests.MannWhitneyGreater(s.Before, s.After);
        double before = RankTests.Median(s.Before), after = RankTests.Median(s.After);
        var absolute = after - before;
        var relative = before > 0 ? absolute / before : absolute > 0 ? double.PositiveInfinity : 0;
        var change = $"median latency {Ms(before)} -> {Ms(after)} ({(double.IsInfinity(relative) ? "from zero" : SignedPercent(relative))})";
        // The relative effect must be reached and so must an absolute floor: +80 % of 20 µs is noise.
        var effect = absolute >= policy.DiskLatencyMinimumAbsoluteIncrease ? relative : Math.Min(relative, 0);
        var judgement = Judged(GuardSignal.DiskLatency, name, s, u, p, alpha, before, after, double.IsInfinity(effect) ? double.MaxValue : effect,
            policy.DiskLatencyMinimumRelativeIncrease, change, $"{Percent(policy.DiskLatencyMinimumRelativeIncrease)} and {Ms(policy.DiskLatencyMinimumAbsoluteIncrease)}");
        return judgement with { Effect = double.IsInfinity(relative) ? null : relative };
    }

    private static SignalJudgement Throughput((List<double> Before, List<double> After) s, bool enough, double alpha, GuardPolicy policy)
    {
        const string name = "disk.throughput";
        if (!enough) return NotJudged(GuardSignal.DiskThroughput, name, s, policy.MinimumSamples, policy.DiskThroughputMinimumRelativeDecrease);
        double before = RankTests.Median(s.Before), after = RankTests.Median(s.After);
        var (u, p) = RankTests.MannWhitneyLess(s.Before, s.After);
        if (before < policy.DiskThroughputMinimumBaseline)
            return new SignalJudgement(GuardSignal.DiskThroughput, name, SignalOutcome.Unchanged, "mann-whitney-u", s.Before.Count, s.After.Count, before, after, u, p, alpha, null,
                policy.DiskThroughputMinimumRelativeDecrease, $"{name} unchanged: the baseline median {Rate(before)} is below {Rate(policy.DiskThroughputMinimumBaseline)}, too little to collapse");
        var effect = (before - after) / before;
        var change = $"median throughput {Rate(before)} -> {Rate(after)} ({SignedPercent(-effect)})";
        return Judged(GuardSignal.DiskThroughput, name, s, u, p, alpha, before, after, effect, policy.DiskThroughputMinimumRelativeDecrease, change, Percent(policy.DiskThroughputMinimumRelativeDecrease));
    }

    private static SignalJudgement Probe(IReadOnlyList<ProbeResult>? before, IReadOnlyList<ProbeResult>? after, double alpha, GuardPolicy policy)
    {
        const string name = "health.probe";
        int nb = before?.Count ?? 0, na = after?.Count ?? 0;
        if (na < policy.MinimumProbes)
            return new SignalJudgement(GuardSignal.HealthProbe, name, SignalOutcome.InsufficientData, null, nb, na, null, null, null, null, null, null, policy.ProbeMinimumDrop,
                na == 0 && nb == 0 ? $"{name} not judged: no probe configured" : $"{name} not judged: {na} probes after the morph; {policy.MinimumProbes} are needed");
        var failuresAfter = after!.Count(r => !r.Success);
        var rateAfter = 1 - failuresAfter / (double)na;
        double p, rateBefore, effect;
        string test, change;
        if (nb >= policy.MinimumProbes)
        {
            var failuresBefore = before!.Count(r => !r.Success);
            rateBefore = 1 - failuresBefore / (double)nb;
            p = RankTests.FisherMoreFailures(failuresBefore, nb, failuresAfter, na);
            effect = rateBefore - rateAfter;
            test = "fisher-exact";
            change = $"success rate {Percent(rateBefore)} -> {Percent(rateAfter)} ({na - failuresAfter}/{na})";
        }
        else
        {
            rateBefore = policy.ProbeSuccessFloor;
            p = RankTests.BinomialAtMost(na - failuresAfter, na, policy.ProbeSuccessFloor);
            effect = policy.ProbeSuccessFloor - rateAfter;
            test = "binomial";
            change = $"success rate {Percent(rateAfter)} ({na - failuresAfter}/{na}) against the expected {Percent(policy.ProbeSuccessFloor)} (no baseline probes)";
        }
        var judgement = Judged(GuardSignal.HealthProbe, name, (new List<double>(nb), new List<double>(na)), failuresAfter, p, alpha, rateBefore, rateAfter, effect,
            policy.ProbeMinimumDrop, change, Percent(policy.ProbeMinimumDrop) + " points");
        return judgement with { Test = test, BaselineCount = nb, ObservedCount = na };
    }

    private static SignalJudgement Judged(GuardSignal signal, string name, (List<double> Before, List<double> After) s, double statistic, double p, double alpha,
        double before, double after, double effect, double minimum, string change, string minimumText)
    {
        var significant = p < alpha;
        var large = effect >= minimum;
        var reason = significant && large ? $"{name} degraded: {change}, at least the minimum effect {minimumText}, p = {P(p)} < {P(alpha)}"
            : !significant ? $"{name} unchanged: {change}, p = {P(p)} >= {P(alpha)}"
            : $"{name} unchanged: {change} is significant (p = {P(p)}) but below the minimum effect {minimumText}";
        return new SignalJudgement(signal, name, significant && large ? SignalOutcome.Degraded : SignalOutcome.Unchanged, "mann-whitney-u",
            s.Before.Count, s.After.Count, before, after, statistic, p, alpha, effect, minimum, reason);
    }

    private static SignalJudgement NotJudged(GuardSignal signal, string name, (List<double> Before, List<double> After) s, int minimum, double minimumEffect) =>
        new(signal, name, SignalOutcome.InsufficientData, null, s.Before.Count, s.After.Count, null, null, null, null, null, null, minimumEffect,
            s.Before.Count == 0 && s.After.Count == 0
                ? $"{name} not judged: no data"
                : $"{name} not judged: {s.Before.Count} samples before and {s.After.Count} after; {minimum} each are needed");

    private static string N(double value) => value.ToString("0.###", Invariant);

    private static string Signed(double value) => value.ToString("+0.###;-0.###;0", Invariant);

    private static string P(double p) => p < 0.001 ? p.ToString("0.##E+0", Invariant) : p.ToString("0.####", Invariant);

    private static string Percent(double share) => (share * 100).ToString("0.#", Invariant) + " %";

    private static string SignedPercent(double share) => (share * 100).ToString("+0.#;-0.#;0", Invariant) + " %";

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.###", Invariant) + " ms";

    private static string Rate(double bytesPerSecond) => new Units.ByteRate(Math.Max(0, bytesPerSecond)).ToString();
}
