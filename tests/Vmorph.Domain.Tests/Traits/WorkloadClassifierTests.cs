using System.Collections.Immutable;
using Vmorph.Traits;

namespace Vmorph.Domain.Tests.Traits;

public class WorkloadClassifierTests
{
    private static readonly ClassificationThresholds Thresholds = new(0.5, 0.75);

    private static TraitScore Workload(string name, double score, double coverage, params string[] missing) =>
        new(name, TraitKind.Workload, score, coverage, [], [.. missing]);

    private static WeightedTraitVector Vector(params TraitScore[] traits) =>
        new([.. traits.OrderByDescending(t => t.Score)]);

    [Fact]
    public void Classify_StrongAndCovered_NamesTheWorkload()
    {
        var result = WorkloadClassifier.Classify(Vector(Workload("database-server", 0.81, 0.9), Workload("web-server", 0.3, 1)), Thresholds);
        Assert.True(result.IsKnown);
        Assert.Equal("database-server", result.Name);
        Assert.Equal("database-server", result.BestGuess);
        Assert.Equal("database-server 0.81 (90 % coverage)", result.Describe());
    }

    [Fact]
    public void Classify_WeakScoreOnHalfTheFeatures_IsUnknownWithItsBestGuessAndWhy()
    {
        var result = WorkloadClassifier.Classify(Vector(Workload("database-server", 0.17, 0.5, "app.database", "port.database")), Thresholds);
        Assert.False(result.IsKnown);
        Assert.Equal(WorkloadClassification.Unknown, result.Name);
        Assert.Equal("database-server", result.BestGuess);
        Assert.Equal(0.17, result.Score);
        Assert.Equal(0.5, result.Coverage);
        Assert.Equal("unknown (best guess database-server 0.17, 50 % coverage)", result.Describe());
        Assert.Equal("not called database-server: score 0.17 is below 0.5; coverage 50 % is below 75 % (no data for app.database, port.database)", result.Reason);
    }

    [Fact]
    public void Classify_StrongScoreButLowCoverage_IsUnknown()
    {
        var result = WorkloadClassifier.Classify(Vector(Workload("web-server", 0.9, 0.4)), Thresholds);
        Assert.Equal(WorkloadClassification.Unknown, result.Name);
        Assert.Contains("coverage 40 % is below 75 %", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("score", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ShapesOnly_IsUnknownWithoutAGuess()
    {
        var result = WorkloadClassifier.Classify(Vector(new TraitScore("bursty", TraitKind.Shape, 0.97, 1, [], ImmutableArray<string>.Empty)), Thresholds);
        Assert.Equal(WorkloadClassification.Unknown, result.Name);
        Assert.Null(result.BestGuess);
        Assert.Equal("unknown", result.Describe());
    }

    [Fact]
    public void Classify_IgnoresStrongerShapes()
    {
        var result = WorkloadClassifier.Classify(Vector(new TraitScore("idle", TraitKind.Shape, 0.99, 1, [], []), Workload("development", 0.6, 0.8)), Thresholds);
        Assert.Equal("development", result.Name);
    }

    [Fact]
    public void Classify_AtTheThresholds_NamesTheWorkload() =>
        Assert.True(WorkloadClassifier.Classify(Vector(Workload("development", 0.5, 0.75)), Thresholds).IsKnown);

    [Fact]
    public void BuiltInCatalog_SetsThresholdsFromItsYaml() =>
        Assert.Equal(new ClassificationThresholds(0.5, 0.75), ArchetypeCatalog.BuiltIn.Classification);

    [Fact]
    public void Build_LaterFileOverridesOneThreshold_KeepsTheOther()
    {
        var result = ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()), ("mine.yaml", "classification:\n  minimum-score: 0.3\n")]);
        Assert.True(result.IsSuccess, string.Join("\n", result.Errors));
        Assert.Equal(new ClassificationThresholds(0.3, 0.75), result.Value.Classification);
    }

    [Fact]
    public void Build_ThresholdsOutOfRangeOrUnknownKey_AreReportedNamingFileAndField()
    {
        var result = ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()), ("mine.yaml", "classification:\n  minimum-score: 2\n  minimum-coverage: -1\n")]);
        Assert.False(result.IsSuccess);
        Assert.Equal(["mine.yaml: classification: minimum-score 2 is not between 0 and 1", "mine.yaml: classification: minimum-coverage -1 is not between 0 and 1"], result.Errors);
        var unknown = ArchetypeCatalog.Build([("typo.yaml", "classification:\n  minimum-scor: 0.2\n")]);
        Assert.False(unknown.IsSuccess);
        Assert.StartsWith("typo.yaml: line 2, column 3: unknown key ", unknown.Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_TopTooCloseToTheNext_IsUnknownBelowTheMinimumMargin_AndSaysByHowMuch()
    {
        var traits = Vector(Workload("database-server", 0.6, 1), Workload("web-server", 0.55, 1));
        var loose = WorkloadClassifier.Classify(traits, Thresholds);
        Assert.Equal("database-server", loose.Name);
        Assert.Equal("web-server", loose.RunnerUp);
        Assert.Equal(0.05, loose.Margin, 9);

        var strict = WorkloadClassifier.Classify(traits, Thresholds with { MinimumMargin = 0.1 });
        Assert.False(strict.IsKnown);
        Assert.Equal("not called database-server: margin 0.05 over web-server is below 0.1", strict.Reason);
    }
}
