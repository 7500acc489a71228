using Microsoft.Extensions.Time.Testing;
using Vmorph.Recommenders;
using Vmorph.Triggers;

namespace Vmorph.Decisions.Tests.Triggers;

public class PolicyEngineTests
{
    private static readonly DateTimeOffset Start = new(2024, 6, 3, 0, 0, 0, TimeSpan.Zero);

    private const string Demand = """
        policies:
          - name: d
            triggers:
              resource-demand: { cpu-percentile: 0.99, half-life: 30m, headroom: 0%, hysteresis: 20%, shrink-after: 1h, saturation: 95%, peak-window: 1d }
        """;

    /// <summary>One step: the engine decides at the start of the step, then sees what the step used.</summary>
    private static Allocation Step(PolicyEngine engine, FakeTimeProvider clock, Allocation current, double cores, double memoryMiB = 1000)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var decided = engine.Recommend(now, current);
        engine.Observe(new UsageSample(now, cores, memoryMiB, decided));
        clock.Advance(TimeSpan.FromMinutes(5));
        return decided;
    }

    [Fact]
    public void Hysteresis_ShrinksOnlyAfterTheWantStaysBelowTheBandForTheHoldTime_AndDoesNotFlap()
    {
        var engine = new PolicyEngine(TestPolicies.Parse(Demand), VmContext.Of("vm", new Allocation(8, 4096)));
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(8, 4096);
        var changes = new List<(TimeSpan After, Allocation To)>();
        for (var i = 0; i < 48; i++)
        {
            var next = Step(engine, clock, current, 2.0);
            if (next != current) changes.Add((clock.GetUtcNow() - Start - TimeSpan.FromMinutes(5), next));
            current = next;
        }
        // Want ~2 cores from the second step on (below 80 % of 8): held for an hour, then one shrink.
        var shrink = Assert.Single(changes);
        Assert.Equal(TimeSpan.FromMinutes(65), shrink.After);
        Assert.InRange(shrink.To.Cores, 2.0, 2.3);

        // Use wobbling within the band changes nothing.
        for (var i = 0; i < 48; i++)
        {
            var next = Step(engine, clock, current, i % 2 == 0 ? 1.9 : 2.1);
            Assert.Equal(current, next);
        }
    }

    [Fact]
    public void WantThatRoundsToTheAllocationInForce_OnAGrid_IsNoMorph_AndSpendsNoCooldown()
    {
        // 3 vCPUs (memory not managed), 2.05 cores used: below the 20 % band for the hold time, the engine wants a little over 2 cores.
        var policy = TestPolicies.Parse(Demand + "\n    cooldown: 6h\n");
        var wholeVcpus = new AllocationGrid(1, 1, 1, 64);
        var rounded = new PolicyEngine(policy, VmContext.Of("vm", new Allocation(3, double.NaN)), grid: wholeVcpus);
        var unrounded = new PolicyEngine(policy, VmContext.Of("vm", new Allocation(3, double.NaN)));
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(3, double.NaN);
        var wants = new List<Allocation>();
        for (var i = 0; i < 24; i++)
        {
            var now = clock.GetUtcNow().ToUnixTimeSeconds();
            wants.Add(unrounded.Recommend(now, current));
            Assert.Equal(current, rounded.Recommend(now, current));
            unrounded.Observe(new UsageSample(now, 2.05, double.NaN, current));
            rounded.Observe(new UsageSample(now, 2.05, double.NaN, current));
            clock.Advance(TimeSpan.FromMinutes(5));
        }

        // Without the grid the gate counted a morph to a fraction of a core, which a hypervisor sets as 3 vCPUs again.
        Assert.Contains(wants, w => w.Cores is > 2 and < 3);
        Assert.NotNull(unrounded.Gate.LastMorph);
        Assert.Null(rounded.Gate.LastMorph);
        Assert.Equal(0, rounded.Gate.MorphsToday(clock.GetUtcNow()));
    }

    [Fact]
    public void WantOnAGrid_IsRoundedUpToIt_BeforeTheGate()
    {
        var engine = new PolicyEngine(TestPolicies.Parse(Demand), VmContext.Of("vm", new Allocation(8, 4096)), grid: new AllocationGrid(1, 1, 1, 64));
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(8, 4096);
        for (var i = 0; i < 24; i++) current = Step(engine, clock, current, 2.2);

        Assert.Equal(3, current.Cores);
        Assert.Equal(new Allocation(3, current.MemoryMiB), engine.LastDecision!.Target);
        Assert.Equal(Math.Round(current.MemoryMiB), current.MemoryMiB);
    }

    [Fact]
    public void Shortfall_GrowsAtOnceToThePeak_EvenInTheCooldown()
    {
        var engine = new PolicyEngine(TestPolicies.Parse(Demand + "\n    cooldown: 6h\n"), VmContext.Of("vm", new Allocation(8, 4096)));
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(8, 4096);
        Step(engine, clock, current, 6.0); // a peak of 6 cores in the window
        for (var i = 0; i < 60; i++) current = Step(engine, clock, current, 1.0);
        Assert.True(current.Cores < 6, $"expected a shrink, got {current}");
        // Saturated (at least 95 % of the allocation), within the 6 h cooldown of the shrink.
        Step(engine, clock, current, current.Cores);
        var grown = Step(engine, clock, current, 1.0);
        Assert.True(grown.Cores >= 6, $"expected growth to the 6-core peak, got {grown}");
        Assert.True(engine.LastIntent!.Urgent);
        Assert.Contains("CPU saturated", engine.LastIntent.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Shortfall_WithAGrowWindow_GrowsToTheRecentBurstsPeakPlusGrowHeadroom_NotToTheOlderPeak()
    {
        var policy = TestPolicies.Parse(Demand.Replace("peak-window: 1d", "peak-window: 1d, grow-window: 1h, grow-headroom: 50%", StringComparison.Ordinal));
        var engine = new PolicyEngine(policy, VmContext.Of("vm", new Allocation(8, 4096)));
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(8, 4096);
        Step(engine, clock, current, 6.0); // a peak of 6 cores in the peak window, hours before the burst
        for (var i = 0; i < 60; i++) current = Step(engine, clock, current, 1.0);
        Assert.True(current.Cores < 1.5, $"expected a shrink, got {current}");

        var shrunk = current.Cores;
        Step(engine, clock, current, shrunk); // saturated: the last hour's peak is the allocation
        var grown = Step(engine, clock, current, 1.0);
        // The peak as the CPU history holds it: to half precision, rounded up (within 1/1024 above).
        Assert.InRange(grown.Cores, shrunk * 1.5, shrunk * 1.5 * (1 + 1.0 / 1024));
        Assert.True(engine.LastIntent!.Urgent);
        Assert.Contains("the 1h peak + 50", engine.LastIntent.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Shortfall_WithAGrowWindow_NeverGrowsBeyondThePeakWindowsPeak()
    {
        var policy = TestPolicies.Parse(Demand.Replace("peak-window: 1d", "peak-window: 1d, grow-window: 1h, grow-headroom: 100%", StringComparison.Ordinal));
        var engine = new PolicyEngine(policy, VmContext.Of("vm", new Allocation(8, 4096)));
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(8, 4096);
        Step(engine, clock, current, 6.0);
        for (var i = 0; i < 60; i++) current = Step(engine, clock, current, 1.0);

        // 5 cores asked of a VM of about 1: the hour's peak + 100 % would be 10, the day's peak caps it at 6.
        Step(engine, clock, current, 5.0);
        var grown = Step(engine, clock, current, 1.0);
        Assert.Equal(6, grown.Cores, 6);
    }

    [Fact]
    public void Approval_TheEngineHoldsTheMorphUntilApproved()
    {
        var engine = new PolicyEngine(TestPolicies.Parse(Demand + "\n    require-approval: true\n"), VmContext.Of("vm", new Allocation(8, 4096)), autoApprove: false);
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(8, 4096);
        for (var i = 0; i < 20; i++) current = Step(engine, clock, current, 2.0);
        Assert.Equal(8, current.Cores);
        Assert.Equal(GateVerdict.AwaitApproval, engine.LastDecision!.Verdict);
        Assert.True(engine.LastIntent!.RequiresApproval);
        engine.Approve(engine.LastDecision.Target);
        current = Step(engine, clock, current, 2.0);
        Assert.True(current.Cores < 3);
        Assert.Equal(1, engine.Counters.GetValueOrDefault("intent.resource-demand"));
        Assert.True(engine.Counters.GetValueOrDefault("gate.approval") > 0);
    }

    [Fact]
    public void ScheduledProfile_AppliesAtItsTime_AndOnlyUrgentGrowthGoesBeyondIt()
    {
        var policy = TestPolicies.Parse("""
            policies:
              - name: s
                triggers:
                  scheduled:
                    schedules:
                      - { name: night, cron: "0 22 * * *", cpu: 1 }
                      - { name: day, cron: "0 6 * * *", restore: true }
                  resource-demand: { cpu-percentile: 0.99, half-life: 30m, headroom: 0%, shrink-after: 1h }
            """);
        var engine = new PolicyEngine(policy, VmContext.Of("vm", new Allocation(4, 4096)));
        var clock = new FakeTimeProvider(Start.AddHours(21).AddMinutes(50));
        var current = new Allocation(4, 4096);
        current = Step(engine, clock, current, 0.5); // 21:50
        current = Step(engine, clock, current, 0.5); // 21:55
        Assert.Equal(4, current.Cores);
        current = Step(engine, clock, current, 0.5); // 22:00: the night profile
        Assert.Equal(1, current.Cores);
        Assert.Equal(TriggerKind.Scheduled, engine.LastIntent!.Trigger);
        current = Step(engine, clock, current, 3.0); // 22:05: saturated at night
        Assert.Equal(1, current.Cores);
        var grown = Step(engine, clock, current, 0.5); // 22:10: urgent growth beyond the profile
        Assert.InRange(grown.Cores, 3.0, 3.3);
        Assert.True(engine.LastIntent!.Urgent);
    }

    [Fact]
    public void Engine_GivenTheWorkloadTraits_KeepsOnlyTheUsageItsTriggersRead_AndDecidesAsWithAProfileOfItsOwn()
    {
        // The built-in policy's demand and predictive triggers (no archetypes: no workload detection here, so the traits
        // are never read), five days of a daily rhythm with noise, every change applied.
        var policy = Vmorph.Policies.PolicyCatalog.BuiltIn.Find(Vmorph.Policies.PolicyCatalog.DefaultPolicy)!;
        var provisioned = new Allocation(8, 8192);
        var own = new PolicyEngine(policy, VmContext.Of("vm", provisioned), grid: new AllocationGrid(1, 1, 1, 64));
        var given = new PolicyEngine(policy, VmContext.Of("vm", provisioned), grid: new AllocationGrid(1, 1, 1, 64),
            workloadTraits: () => throw new InvalidOperationException("workload detection is off"));
        var current = provisioned;
        var random = new Random(17);
        var changes = 0;
        for (var t = Start.ToUnixTimeSeconds(); t < Start.ToUnixTimeSeconds() + 5 * 86400L; t += 300)
        {
            // Busier and bigger every day, so both grow (memory with CPU) by the week's peaks the metrics keep.
            var day = (t - Start.ToUnixTimeSeconds()) / 86400;
            var hour = t % 86400 / 3600;
            var cores = (hour is >= 9 and < 17 ? 1.5 + 1.2 * day : 0.5) * (0.7 + 0.6 * random.NextDouble());
            var mib = 1500 + 900 * day + 500 * random.NextDouble();
            own.Observe(new UsageSample(t, cores, mib, current));
            given.Observe(new UsageSample(t, cores, mib, current));
            var decided = own.Recommend(t + 300, current);
            Assert.Equal(decided, given.Recommend(t + 300, current));
            if (decided != current) changes++;
            current = decided;
        }
        Assert.True(changes >= 5, $"expected the rhythm to move the allocation, got {changes} changes");
    }

    [Fact]
    public void CpuHistory_HoldsAWeek_UntilTheFleetsModelIsTrainedFromIt_ThenTwoDays()
    {
        // The default policy's FastTree forecaster, with the fleet's model (the live loop): the engine's CPU history holds
        // a week and more while the VM's week is still to be offered, and only the two days the features read once the
        // fleet's model is trained (a VM alone: a day after its offer). Times and values kept are those it was given.
        var policy = Vmorph.Policies.PolicyCatalog.BuiltIn.Find(Vmorph.Policies.PolicyCatalog.DefaultPolicy)!;
        var fleet = new Vmorph.Forecasting.FleetDemandModel(inBackground: false);
        var engine = new PolicyEngine(policy, VmContext.Of("vm", new Allocation(8, 4096)), fleetModel: fleet);
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(8, 4096);
        var random = new Random(2);
        var capacities = new SortedSet<int>();
        for (var i = 0; i < 9 * 288; i++)
        {
            var hour = clock.GetUtcNow().Hour;
            current = Step(engine, clock, current, (hour is >= 9 and < 17 ? 3 : 1) * (0.8 + 0.4 * random.NextDouble()));
            capacities.Add(engine.CpuHistory.Capacity);
        }

        Assert.NotNull(fleet.For(engine.Predictive!.HorizonSteps, TimeZoneInfo.Utc).Model);
        Assert.Equal([Vmorph.Forecasting.ForecastFeatures.HistoryNeeded, Vmorph.Forecasting.FastTreeForecaster.TrainingSteps], capacities);
        Assert.Equal(Vmorph.Forecasting.ForecastFeatures.HistoryNeeded, engine.CpuHistory.Capacity);
        var (times, _) = engine.CpuHistory.Steps();
        Assert.Equal(Enumerable.Range(0, times.Length).Select(k => clock.GetUtcNow().ToUnixTimeSeconds() - 300L * (times.Length - k)), times);
    }
}
