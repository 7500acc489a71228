using Microsoft.Extensions.Time.Testing;
using Vmorph.Recommenders;
using Vmorph.Traits;
using Vmorph.Triggers;

namespace Vmorph.Decisions.Tests.Triggers;

/// <summary>A workload intent reaches whoever runs the engine: it is never merged away by a resource intent, and a gate rule only delays it.</summary>
public class WorkloadIntentTests
{
    private static readonly DateTimeOffset Start = new(2024, 6, 3, 0, 0, 0, TimeSpan.Zero);

    private static string Policy(string cooldown) => $$"""
        policies:
          - name: w
            triggers:
              resource-demand: { cpu-percentile: 0.99, half-life: 30m, headroom: 0%, hysteresis: 20%, shrink-after: 1h, saturation: 95%, peak-window: 1d }
              workload-detection: { windows: 2, window: 5m, min-confidence: 0.6 }
            cooldown: {{cooldown}}
        """;

    private static WeightedTraitVector Traits(string top, double score) => new(
        [
            new TraitScore(top, TraitKind.Workload, score, 1, [new Contribution("app.database", 1, 0.2, false)], []),
            new TraitScore("web-server", TraitKind.Workload, 0.1, 1, [], []),
        ]);

    private sealed class Run
    {
        public required PolicyEngine Engine { get; init; }
        public FakeTimeProvider Clock { get; } = new(Start);
        public Allocation Current { get; set; } = new(8, 4096);
        public WeightedTraitVector Vector { get; set; } = Traits("database-server", 0.2);

        /// <summary>One five-minute step at 2 of 8 cores: returns the workload intent the step delivered, if any.</summary>
        public MorphIntent? Step()
        {
            var now = Clock.GetUtcNow().ToUnixTimeSeconds();
            Current = Engine.Recommend(now, Current);
            var intent = Engine.TakeWorkloadIntent();
            Engine.Observe(new UsageSample(now, 2.0, 1000, Current));
            Clock.Advance(TimeSpan.FromMinutes(5));
            return intent;
        }
    }

    private static Run Start_(string cooldown)
    {
        Run? run = null;
        var engine = new PolicyEngine(TestPolicies.Parse(Policy(cooldown)), VmContext.Of("vm", new Allocation(8, 4096)), ArchetypeCatalog.BuiltIn,
            workloadTraits: () => run!.Vector);
        run = new Run { Engine = engine };
        return run;
    }

    [Fact]
    public void WorkloadIntent_InTheStepOfAResourceShrink_IsDeliveredAndGoesFirst()
    {
        var run = Start_("0s");
        // The demand trigger shrinks 8 cores wanting 2 at 65 min (step 13); the database shows from step 12, so the
        // workload change holds its second window in step 13 too.
        for (var step = 0; step < 12; step++) Assert.Null(run.Step());
        run.Vector = Traits("database-server", 0.8);
        Assert.Null(run.Step());
        var intent = run.Step();

        Assert.NotNull(intent);
        Assert.Equal(TriggerKind.WorkloadDetection, intent.Trigger);
        Assert.Equal("database-server", intent.TargetProfile);
        Assert.Equal("database-server", intent.Detected);
        Assert.Equal(0.8, intent.Confidence);
        Assert.Equal(8, run.Current.Cores);
        Assert.Equal(1, run.Engine.Counters["intent.workload-detection"]);
        // Taken once: later steps have none. The morph restarted the shrink's hold time: the shrink comes an hour on.
        var steps = 0;
        while (run.Current.Cores == 8 && steps < 20)
        {
            Assert.Null(run.Step());
            steps++;
        }
        Assert.Equal(13, steps);
    }

    [Fact]
    public void WorkloadIntent_HeldByTheCooldown_IsDeliveredWhenTheCooldownEnds()
    {
        var run = Start_("2h");
        MorphIntent? intent = null;
        var shrunkAt = -1;
        var deliveredAt = -1;
        for (var step = 0; step < 60 && intent is null; step++)
        {
            if (step == 16) run.Vector = Traits("database-server", 0.8);
            var before = run.Current;
            intent = run.Step();
            if (run.Current != before) shrunkAt = step;
            if (intent is not null) deliveredAt = step;
        }
        // The shrink at step 13 starts a two-hour cooldown; the database is detected at step 17 and waits for step 37.
        Assert.Equal(13, shrunkAt);
        Assert.Equal(37, deliveredAt);
        Assert.Equal("database-server", intent?.TargetProfile);
        Assert.True(run.Engine.Counters["gate.cooldown"] >= 20, string.Join(", ", run.Engine.Counters));
    }
}
