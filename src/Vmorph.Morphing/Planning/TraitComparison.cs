using System.Collections.Immutable;
using Vmorph.Traits;

namespace Vmorph.Planning;

/// <summary>One trait of a target profile against the VM's score.</summary>
/// <param name="Trait">The trait.</param>
/// <param name="Expected">The score the target profile expects.</param>
/// <param name="Actual">The VM's score, or null when its trait vector lacks the trait.</param>
/// <param name="Difference">Actual − expected (a missing score counts as 0).</param>
public sealed record TraitDifference(string Trait, double Expected, double? Actual, double Difference);

/// <summary>
/// How far a VM's <see cref="WeightedTraitVector"/> is from a target profile's expected traits: per trait the difference
/// (largest first), and the root-mean-square distance over the expected traits, 0 (a match) to 1.
/// </summary>
/// <param name="Traits">The expected traits with the VM's scores, largest difference first.</param>
/// <param name="Distance">The RMS of the differences, 0 to 1; 0 when the profile expects no traits.</param>
public sealed record TraitComparison(ImmutableArray<TraitDifference> Traits, double Distance)
{
    /// <summary>Compares a VM's trait vector (null: not scored) with the expected traits.</summary>
    public static TraitComparison Compare(WeightedTraitVector? actual, IReadOnlyDictionary<string, double> expected)
    {
        var differences = expected
            .Select(e =>
            {
                var score = actual?[e.Key]?.Score;
                return new TraitDifference(e.Key, e.Value, score, (score ?? 0) - e.Value);
            })
            .OrderByDescending(d => Math.Abs(d.Difference))
            .ThenBy(d => d.Trait, StringComparer.Ordinal)
            .ToImmutableArray();
        var distance = differences.IsEmpty ? 0 : Math.Sqrt(differences.Average(d => d.Difference * d.Difference));
        return new TraitComparison(differences, distance);
    }
}
