using System.Globalization;

namespace Vmorph.Traits;

/// <summary>Tells a VM's workload from its trait vector (pure).</summary>
public static class WorkloadClassifier
{
    /// <summary>
    /// The strongest workload trait when its score, coverage and margin over the next workload trait reach the
    /// thresholds, else <c>unknown</c> with that trait as the best guess; the reason names the threshold that was missed.
    /// </summary>
    public static WorkloadClassification Classify(WeightedTraitVector traits, ClassificationThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(traits);
        ArgumentNullException.ThrowIfNull(thresholds);
        var top = traits.Top(2, TraitKind.Workload).ToList();
        if (top.Count == 0)
            return new WorkloadClassification(WorkloadClassification.Unknown, null, 0, 0, "no workload archetypes to score against");
        var best = top[0];
        var runnerUp = top.Count > 1 ? top[1] : null;
        var margin = best.Score - (runnerUp?.Score ?? 0);
        var shortfalls = new List<string>();
        if (best.Score < thresholds.MinimumScore)
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture, $"score {best.Score:0.00} is below {thresholds.MinimumScore:0.##}"));
        if (best.Coverage < thresholds.MinimumCoverage)
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture, $"coverage {best.Coverage:P0} is below {thresholds.MinimumCoverage:P0}")
                + (best.Missing.Length > 0 ? $" (no data for {string.Join(", ", best.Missing)})" : ""));
        if (runnerUp is not null && margin < thresholds.MinimumMargin)
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture, $"margin {margin:0.00} over {runnerUp.Trait} is below {thresholds.MinimumMargin:0.##}"));
        var reason = shortfalls.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{best.Trait} scores {best.Score:0.00} with {best.Coverage:P0} coverage, at least {thresholds.MinimumScore:0.##} and {thresholds.MinimumCoverage:P0}")
                + (runnerUp is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; {margin:0.00} ahead of {runnerUp.Trait}"))
            : $"not called {best.Trait}: " + string.Join("; ", shortfalls);
        return new WorkloadClassification(shortfalls.Count == 0 ? best.Trait : WorkloadClassification.Unknown, best.Trait, best.Score, best.Coverage, reason)
        {
            RunnerUp = runnerUp?.Trait,
            RunnerUpScore = runnerUp?.Score ?? 0,
            DecidedBy = best.Contributions,
        };
    }
}
