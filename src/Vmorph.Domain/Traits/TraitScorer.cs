using System.Collections.Immutable;
using Vmorph.Profiles;

namespace Vmorph.Traits;

/// <summary>
/// Scores a profile against a catalog (pure): each trait is the weighted average of its features, with a feature
/// that has no data counting as no evidence (it adds nothing to the sum but its weight stays in the divisor), so a
/// trait is only strong where the data shows it. Coverage says how much of the trait could be judged.
/// </summary>
public static class TraitScorer
{
    /// <summary>The trait vector of a profile.</summary>
    public static WeightedTraitVector Score(PersonalityProfile profile, ArchetypeCatalog catalog) =>
        Score(FeatureExtractor.Extract(profile, catalog), catalog);

    /// <summary>The trait vector of a feature vector.</summary>
    public static WeightedTraitVector Score(FeatureVector features, ArchetypeCatalog catalog)
    {
        var scores = catalog.Archetypes.Select(archetype => ScoreOne(features, archetype))
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.Trait, StringComparer.Ordinal)
            .ToImmutableArray();
        return new WeightedTraitVector(scores);
    }

    private static TraitScore ScoreOne(FeatureVector features, Archetype archetype)
    {
        var contributions = new List<Contribution>();
        var missing = new List<string>();
        foreach (var w in archetype.Weights)
        {
            if (features[w.Feature] is { } raw) contributions.Add(new Contribution(w.Feature, w.Invert ? 1 - raw : raw, w.Weight, w.Invert));
            else missing.Add(w.Feature);
        }
        var total = archetype.TotalWeight;
        var score = contributions.Sum(c => c.Amount) / total;
        var coverage = contributions.Sum(c => c.Weight) / total;
        return new TraitScore(
            archetype.Name,
            archetype.Kind,
            Math.Clamp(score, 0, 1),
            Math.Clamp(coverage, 0, 1),
            [.. contributions.OrderByDescending(c => c.Amount).ThenBy(c => c.Feature, StringComparer.Ordinal)],
            [.. missing]);
    }
}
