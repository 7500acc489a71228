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
        Assert.Contains("detected database-server with confidence 0.80", intent.Reason, StringComparison.Ordinal);
        Assert.Contains("was development", intent.Reason, StringComparison.Ordinal);
        Assert.Equal("database-server", intent.Detected);
        Assert.Equal(0.8, intent.Confidence);
        Assert.Equal("database-server", trigger.Current);
        Assert.False(trigger.Due(t.AddHours(7).AddMinutes(30)));
        Assert.True(trigger.Due(t.AddHours(8)));
    }

    [Fact]
    public void WorkloadThatFades_BecomesUnknownWithoutAnIntent_AndItsReturnAsksAgain()
    {
        var trigger = new WorkloadDetectionBasedMorphing(new WorkloadSettings(2, TimeSpan.FromHours(1), 0.5), ArchetypeCatalog.BuiltIn);
        var t = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero);
        Assert.Null(trigger.Evaluate(t, Vector("database-server", 0.3)));
        Assert.Equal("unknown", trigger.Current);
        Assert.Null(trigger.Evaluate(t.AddHours(1), Vector("database-server", 0.8)));
        Assert.NotNull(trigger.Evaluate(t.AddHours(2), Vector("database-server", 0.8)));
        // The database stops: below the threshold for two windows, the VM is known as unknown, with nothing to morph to.
        Assert.Null(trigger.Evaluate(t.AddHours(3), Vector("database-server", 0.3)));
        Assert.Null(trigger.Evaluate(t.AddHours(4), Vector("database-server", 0.3)));
        Assert.Equal("unknown", trigger.Current);
        Assert.Null(trigger.Evaluate(t.AddHours(5), Vector("database-server", 0.8)));
        Assert.Equal("database-server", trigger.Evaluate(t.AddHours(6), Vector("database-server", 0.8))?.TargetProfile);
    }

    [Fact]
    public void TopArchetypeBelowTheCatalogsCoverage_IsUnknown_SoItNeverAsks()
    {
        var trigger = new WorkloadDetectionBasedMorphing(new WorkloadSettings(1, TimeSpan.FromHours(1), 0.5), ArchetypeCatalog.BuiltIn);
        var t = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero);
        WeightedTraitVector HalfCovered(double score) => new([new TraitScore("database-server", TraitKind.Workload, score, 0.5, [], ["app.database"])]);
        Assert.Null(trigger.Evaluate(t, HalfCovered(0.2)));
        Assert.Null(trigger.Evaluate(t.AddHours(1), HalfCovered(0.9)));
        Assert.Equal("unknown", trigger.Current);
        // Unknown because the classifier says so (coverage), not because the score was below the policy's confidence.
        Assert.Equal("unknown", WorkloadClassifier.Classify(HalfCovered(0.9), ArchetypeCatalog.BuiltIn.Classification).Name);
    }
}
