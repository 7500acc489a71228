using System.Collections.Immutable;
using Vmorph.Policies;
using Vmorph.Traits;
using Vmorph.Triggers;

namespace Vmorph.Decisions.Tests.Triggers;

public class WorkloadDetectionTests
{
    private static WeightedTraitVector Vector(string top, double score, string second = "development", double secondScore = 0.2) => new(
        [
            new TraitScore(top, TraitKind.Workload, score, 1, [], []),
            new TraitScore(second, TraitKind.Workload, secondScore, 1, [], []),
        ]);

    [Fact]
    public void ChangeOfTopArchetype_HeldForNWindowsWithConfidence_AsksForItsTargetProfile()
    {
        var trigger = new WorkloadDetectionBasedMorphing(new WorkloadSettings(3, TimeSpan.FromHours(1), 0.6), ArchetypeCatalog.BuiltIn);
        var t = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero);
        Assert.Null(trigger.Evaluate(t, Vector("development", 0.7)));
        Assert.Equal("development", trigger.Current);
        // Two windows of a new top, then a window back: no intent.
        Assert.Null(trigger.Evaluate(t.AddHours(1), Vector("database-server", 0.8)));
        Assert.Null(trigger.Evaluate(t.AddHours(2), Vector("database-server", 0.8)));
        Assert.Null(trigger.Evaluate(t.AddHours(3), Vector("development", 0.7)));
        // Confident enough only from the second of these windows.
        Assert.Null(trigger.Evaluate(t.AddHours(4), Vector("database-server", 0.5)));
        Assert.Null(trigger.Evaluate(t.AddHours(5), Vector("database-server", 0.8)));
        Assert.Null(trigger.Evaluate(t.AddHours(6), Vector("database-server", 0.8)));
        var intent = trigger.Evaluate(t.AddHours(7), Vector("database-server", 0.8));
        Assert.NotNull(intent);
        Assert.Equal(TriggerKind.WorkloadDetection, intent.Trigger);
        Assert.Equal(ArchetypeCatalog.BuiltIn.Archetypes.First(a => a.Name == "database-server").TargetProfile, intent.TargetProfile);
        Assert.Contains("from development to database-server", intent.Reason, StringComparison.Ordinal);
        Assert.Equal("database-server", trigger.Current);
        Assert.False(trigger.Due(t.AddHours(7).AddMinutes(30)));
        Assert.True(trigger.Due(t.AddHours(8)));
    }
}
