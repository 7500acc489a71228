using Microsoft.Extensions.Time.Testing;
using Vmorph.Recommenders;
using Vmorph.Triggers;

namespace Vmorph.Decisions.Tests.Triggers;

public class PolicyGateTests
{
    private static readonly DateTimeOffset Start = new(2024, 6, 3, 8, 0, 0, TimeSpan.Zero); // a Monday

    private static PolicyGate Gate(string extra) => new(TestPolicies.Parse($"""
        policies:
          - name: g
            bounds:
              cpu: {"{"} min: 1, max: 16 {"}"}
        {extra}
        """));

    [Fact]
    public void Cooldown_HoldsNonUrgentMorphs_LetsUrgentGrowthThrough()
    {
        var gate = Gate("    cooldown: 30m");
        var clock = new FakeTimeProvider(Start);
        var current = new Allocation(8, 4096);
        Assert.Equal(GateVerdict.Apply, gate.Decide(clock.GetUtcNow(), current, current.WithCores(4), urgent: false).Verdict);
        gate.Record(clock.GetUtcNow());
        current = current.WithCores(4);

        clock.Advance(TimeSpan.FromMinutes(10));
        var held = gate.Decide(clock.GetUtcNow(), current, current.WithCores(2), urgent: false);
        Assert.Equal(GateVerdict.Defer, held.Verdict);
        Assert.Equal("cooldown", held.Rule);
        Assert.Equal("cooldown: the last morph was 10m ago, the policy waits 30m", held.Reason);
        Assert.Equal(GateVerdict.Apply, gate.Decide(clock.GetUtcNow(), current, current.WithCores(8), urgent: true).Verdict);

        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(GateVerdict.Apply, gate.Decide(clock.GetUtcNow(), current, current.WithCores(2), urgent: false).Verdict);
    }

    [Fact]
    public void Bounds_ClampTheTarget()
    {
        var gate = Gate("");
        var decision = gate.Decide(Start, new Allocation(8, 4096), new Allocation(64, 4096), urgent: false);
        Assert.Equal(16, decision.Target.Cores);
        Assert.Equal(GateVerdict.NoChange, gate.Decide(Start, new Allocation(1, 4096), new Allocation(0.2, 4096), urgent: false).Verdict);
    }

    [Fact]
    public void MaxMorphsPerDay_AndTheReserveForUrgentGrowth_ResetAtMidnightInThePolicyTimeZone()
    {
        var gate = Gate("    time-zone: Europe/Amsterdam\n    max-morphs-per-day: 3\n    reserve-for-growth: 1");
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 6, 3, 18, 0, 0, TimeSpan.Zero));
        var current = new Allocation(8, 4096);
        foreach (var cores in new[] { 4.0, 2.0 })
        {
            Assert.Equal(GateVerdict.Apply, gate.Decide(clock.GetUtcNow(), current, current.WithCores(cores), false).Verdict);
            gate.Record(clock.GetUtcNow());
            current = current.WithCores(cores);
            clock.Advance(TimeSpan.FromMinutes(5));
        }
        // The third morph of the day is kept for urgent growth.
        Assert.Equal("reserve-for-growth", gate.Decide(clock.GetUtcNow(), current, current.WithCores(1), false).Rule);
        Assert.Equal("reserve-for-growth", gate.Decide(clock.GetUtcNow(), current, current.WithCores(3), false).Rule);
        Assert.Equal(GateVerdict.Apply, gate.Decide(clock.GetUtcNow(), current, current.WithCores(8), true).Verdict);
        gate.Record(clock.GetUtcNow());
        current = current.WithCores(8);
        Assert.Equal("max-morphs-per-day", gate.Decide(clock.GetUtcNow(), current, current.WithCores(16), true).Rule);
        // 22:00 UTC is midnight in Amsterdam (UTC+2 in June): a new day.
        clock.SetUtcNow(new DateTimeOffset(2024, 6, 3, 22, 0, 0, TimeSpan.Zero));
        Assert.Equal(GateVerdict.Apply, gate.Decide(clock.GetUtcNow(), current, current.WithCores(4), false).Verdict);
    }

    [Fact]
    public void MaintenanceWindow_HoldsNonUrgentMorphsOutsideIt()
    {
        var gate = Gate("    maintenance-windows:\n      - { cron: \"0 2 * * *\", duration: 2h }");
        var current = new Allocation(8, 4096);
        var outside = new DateTimeOffset(2024, 6, 3, 12, 0, 0, TimeSpan.Zero);
        var inside = new DateTimeOffset(2024, 6, 3, 3, 30, 0, TimeSpan.Zero);
        Assert.Equal("maintenance-window", gate.Decide(outside, current, current.WithCores(4), false).Rule);
        Assert.Equal(GateVerdict.Apply, gate.Decide(outside, current, current.WithCores(12), true).Verdict);
        Assert.Equal(GateVerdict.Apply, gate.Decide(inside, current, current.WithCores(4), false).Verdict);
        Assert.Equal("maintenance-window", gate.Decide(inside.AddHours(1), current, current.WithCores(4), false).Rule);
    }

    [Fact]
    public void Approval_HoldsTheMorphUntilAPersonApprovesIt()
    {
        var gate = Gate("    require-approval: true");
        var current = new Allocation(8, 4096);
        var decision = gate.Decide(Start, current, current.WithCores(4), false);
        Assert.Equal(GateVerdict.AwaitApproval, decision.Verdict);
        Assert.Equal("approval", decision.Rule);
        gate.Approve(decision.Target);
        Assert.Equal(GateVerdict.Apply, gate.Decide(Start.AddMinutes(5), current, current.WithCores(4), false).Verdict);
        // An approval is good for one morph.
        Assert.Equal(GateVerdict.AwaitApproval, gate.Decide(Start.AddMinutes(10), current, current.WithCores(4), false).Verdict);
    }
}
