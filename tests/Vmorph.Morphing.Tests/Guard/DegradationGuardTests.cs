using Vmorph.Guard;

namespace Vmorph.Morphing.Tests.Guard;

public class DegradationGuardTests
{
    private static readonly DateTimeOffset T0 = Fixtures.Now;

    private static List<GuardSample> Samples(int n, int seed, Func<Random, GuardSample> make)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(i => make(random) with { At = T0.AddSeconds(10 * i) })];
    }

    private static double Normal(Random r, double mean, double sd) =>
        mean + sd * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    [Fact]
    public void ClearCpuSaturation_RollsBackWithItsNumbers()
    {
        var before = Samples(60, 1, r => new GuardSample { CpuUtilisation = 0.2 + 0.2 * r.NextDouble(), MemoryUtilisation = 0.5 });
        var after = Samples(60, 2, r => new GuardSample { CpuUtilisation = 0.95 + 0.05 * r.NextDouble(), MemoryUtilisation = 0.5 });
        var verdict = DegradationGuard.Judge(before, after);
        Assert.Equal(GuardDecision.RollBack, verdict.Decision);
        var cpu = verdict.Signals.Single(s => s.Signal == GuardSignal.CpuSaturation);
        Assert.Equal(SignalOutcome.Degraded, cpu.Outcome);
        Assert.Equal("mann-whitney-u", cpu.Test);
        Assert.Equal(60 * 60, cpu.Statistic); // every observed sample exceeds every baseline sample
        Assert.True(cpu.PValue < 1e-15);
        Assert.InRange(cpu.Effect!.Value, 0.6, 0.8);
        Assert.Equal(0.01 / 2, cpu.Alpha); // two signals had data: cpu and memory
        Assert.StartsWith("roll back: cpu.saturation degraded: median utilisation 0.", verdict.Reason, StringComparison.Ordinal);
        Assert.Equal(SignalOutcome.Unchanged, verdict.Signals.Single(s => s.Signal == GuardSignal.MemoryPressure).Outcome);
        Assert.Equal(SignalOutcome.InsufficientData, verdict.Signals.Single(s => s.Signal == GuardSignal.DiskLatency).Outcome);
    }

    [Fact]
    public void Noise_IsKept()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            GuardSample Make(Random r) => new() { CpuUtilisation = Normal(r, 0.5, 0.15), DiskLatencySeconds = Math.Abs(Normal(r, 0.004, 0.001)), DiskThroughputBytesPerSecond = Math.Abs(Normal(r, 20e6, 4e6)), MajorFaultsPerSecond = r.Next(0, 5) };
            var verdict = DegradationGuard.Judge(Samples(60, seed, Make), Samples(60, 1000 + seed, Make));
            Assert.True(verdict.Decision == GuardDecision.Keep, $"seed {seed}: {verdict.Reason}");
            Assert.StartsWith("keep: no signal degraded (4 judged: cpu.saturation, memory.pressure, disk.latency, disk.throughput)", verdict.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SmallButSignificantChange_BelowTheMinimumEffect_IsKeptSayingSo()
    {
        var before = Samples(500, 3, r => new GuardSample { DiskLatencySeconds = Normal(r, 0.0050, 0.0002) });
        var after = Samples(500, 4, r => new GuardSample { DiskLatencySeconds = Normal(r, 0.0055, 0.0002) });
        var verdict = DegradationGuard.Judge(before, after);
        Assert.Equal(GuardDecision.Keep, verdict.Decision);
        var latency = verdict.Signals.Single(s => s.Signal == GuardSignal.DiskLatency);
        Assert.Equal(SignalOutcome.Unchanged, latency.Outcome);
        Assert.True(latency.PValue < 1e-10);
        Assert.InRange(latency.Effect!.Value, 0.05, 0.15);
        Assert.Contains("is significant (p = ", latency.Reason, StringComparison.Ordinal);
        Assert.Contains("but below the minimum effect 50 % and 1 ms", latency.Reason, StringComparison.Ordinal);
        Assert.Contains(latency.Reason, verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BusierButNotSaturatedCpu_IsKept()
    {
        var verdict = DegradationGuard.Judge(
            Samples(60, 5, r => new GuardSample { CpuUtilisation = 0.2 + 0.05 * r.NextDouble() }),
            Samples(60, 6, r => new GuardSample { CpuUtilisation = 0.6 + 0.05 * r.NextDouble() }));
        Assert.Equal(GuardDecision.Keep, verdict.Decision);
        Assert.Contains("but the median stays below the saturation level 0.9", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MemoryPressureFromMajorFaultsAndSwapIn_RollsBack()
    {
        var verdict = DegradationGuard.Judge(
            Samples(30, 7, r => new GuardSample { MajorFaultsPerSecond = r.Next(0, 3), SwapInBytesPerSecond = 0 }),
            Samples(30, 8, r => new GuardSample { MajorFaultsPerSecond = 150 + r.Next(0, 100), SwapInBytesPerSecond = 4096 * 100 }));
        Assert.Equal(GuardDecision.RollBack, verdict.Decision);
        Assert.StartsWith("roll back: memory.pressure degraded: mean major faults + swap-in ", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DiskThroughputCollapse_RollsBack()
    {
        var verdict = DegradationGuard.Judge(
            Samples(30, 9, r => new GuardSample { DiskThroughputBytesPerSecond = 80e6 + 10e6 * r.NextDouble() }),
            Samples(30, 10, r => new GuardSample { DiskThroughputBytesPerSecond = 10e6 + 5e6 * r.NextDouble() }));
        Assert.Equal(GuardDecision.RollBack, verdict.Decision);
        Assert.Equal(SignalOutcome.Degraded, verdict.Signals.Single(s => s.Signal == GuardSignal.DiskThroughput).Outcome);
        Assert.True(verdict.MayBeAPhase()); // a measured signal: the engine confirms it over a second window
    }

    [Fact]
    public void MayBeAPhase_OnlyARollBackOnMeasuredSignals_NeverAFailingProbe()
    {
        var probesBefore = Enumerable.Range(0, 20).Select(i => new ProbeResult(T0.AddSeconds(i), true)).ToList();
        var failing = Enumerable.Range(0, 20).Select(i => new ProbeResult(T0.AddSeconds(100 + i), i % 2 == 0)).ToList();
        var collapse = (Samples(30, 9, r => new GuardSample { DiskThroughputBytesPerSecond = 80e6 + 10e6 * r.NextDouble() }),
                        Samples(30, 10, r => new GuardSample { DiskThroughputBytesPerSecond = 10e6 + 5e6 * r.NextDouble() }));
        var steady = Samples(30, 9, r => new GuardSample { DiskThroughputBytesPerSecond = 80e6 + 10e6 * r.NextDouble() });

        Assert.False(DegradationGuard.Judge(collapse.Item1, collapse.Item2, null, probesBefore, failing).MayBeAPhase()); // the probe failed too
        Assert.False(DegradationGuard.Judge(steady, steady, null, probesBefore, failing).MayBeAPhase());
        Assert.False(DegradationGuard.Judge(steady, steady).MayBeAPhase()); // kept
        var unjudged = DegradationGuard.Judge([], [], GuardPolicy.Default with { RollBackWhenInconclusive = true });
        Assert.Equal(GuardDecision.RollBack, unjudged.Decision);
        Assert.False(unjudged.MayBeAPhase()); // nothing measured degraded: nothing to confirm
    }

    [Fact]
    public void HealthProbe_FailingAfterTheMorph_RollsBack_ByFishersExactTest()
    {
        var before = Enumerable.Range(0, 20).Select(i => new ProbeResult(T0.AddSeconds(i), true, TimeSpan.FromMilliseconds(3))).ToList();
        var after = Enumerable.Range(0, 20).Select(i => new ProbeResult(T0.AddSeconds(100 + i), i % 2 == 0)).ToList();
        var verdict = DegradationGuard.Judge([], [], null, before, after);
        var probe = verdict.Signals.Single(s => s.Signal == GuardSignal.HealthProbe);
        Assert.Equal(GuardDecision.RollBack, verdict.Decision);
        Assert.Equal("fisher-exact", probe.Test);
        Assert.Equal(0.5, probe.Effect);
        // P(at least 10 of the 10 failures fall among the 20 observed probes out of 40) = C(20,10)/C(40,10)
        Assert.Equal(184756.0 / 847660528, probe.PValue!.Value, 12);
        Assert.Equal("roll back: health.probe degraded: success rate 100 % -> 50 % (10/20), at least the minimum effect 5 % points, p = 2.18E-4 < 0.01", verdict.Reason);
    }

    [Fact]
    public void HealthProbe_WithoutBaseline_IsTestedAgainstTheFloor()
    {
        var after = Enumerable.Range(0, 20).Select(i => new ProbeResult(T0.AddSeconds(i), i != 3)).ToList();
        var verdict = DegradationGuard.Judge([], [], null, null, after);
        var probe = verdict.Signals.Single(s => s.Signal == GuardSignal.HealthProbe);
        Assert.Equal("binomial", probe.Test);
        Assert.Equal(GuardDecision.Keep, verdict.Decision); // 19/20 against 95 % is no evidence of trouble
        var bad = Enumerable.Range(0, 20).Select(i => new ProbeResult(T0.AddSeconds(i), i % 4 != 0)).ToList();
        Assert.Equal(GuardDecision.RollBack, DegradationGuard.Judge([], [], null, null, bad).Decision);
    }

    [Fact]
    public void NoData_IsInconclusive_KeptByDefault_RolledBackWhenThePolicySays()
    {
        var few = Samples(5, 11, r => new GuardSample { CpuUtilisation = 0.5 });
        var verdict = DegradationGuard.Judge(few, few);
        Assert.Equal(GuardDecision.Keep, verdict.Decision);
        Assert.True(verdict.Inconclusive);
        Assert.Equal("keep: no signal had enough data to judge (cpu.saturation not judged: 5 samples before and 5 after; 10 each are needed; memory.pressure not judged: no data; disk.latency not judged: no data; disk.throughput not judged: no data; health.probe not judged: no probe configured)", verdict.Reason);
        Assert.Equal(GuardDecision.RollBack, DegradationGuard.Judge(few, few, new GuardPolicy { RollBackWhenInconclusive = true }).Decision);
    }

    [Fact]
    public void Policy_InvalidSettings_AreAllReported()
    {
        var result = new GuardPolicy { Window = TimeSpan.Zero, SignificanceLevel = 0.7, MinimumSamples = 1 }.Validate();
        Assert.Equal(
        [
            "guard policy: window: 00:00:00 must be positive",
            "guard policy: significance-level: 0.7 must lie between 0 and 0.5",
            "guard policy: minimum-samples: 1 must be at least 3",
        ], result.Errors);
        Assert.Throws<ArgumentException>(() => DegradationGuard.Judge([], [], new GuardPolicy { MinimumSamples = 0 }));
    }

    [Fact]
    public void MannWhitney_MatchesAHandComputedCase()
    {
        // Baseline 1..5, observed 4..8: the observed ranks (tied 4s share 4.5, tied 5s share 6.5) sum to 38, so U = 38 − 5·6/2 = 23.
        var (u, p) = RankTests.MannWhitneyGreater([1, 2, 3, 4, 5], [4, 5, 6, 7, 8]);
        Assert.Equal(23, u);
        Assert.InRange(p, 0.01, 0.03);
        var (same, pSame) = RankTests.MannWhitneyGreater([1, 1, 1], [1, 1, 1]);
        Assert.Equal((4.5, 1.0), (same, pSame));
    }
}
