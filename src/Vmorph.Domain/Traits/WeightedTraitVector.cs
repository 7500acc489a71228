using System.Collections.Immutable;
using System.Globalization;

namespace Vmorph.Traits;

/// <summary>One feature's contribution to a trait's score.</summary>
/// <param name="Feature">The feature's name.</param>
/// <param name="Value">The feature's value, 0 to 1 (after inversion where the trait wants it low).</param>
/// <param name="Weight">The feature's weight in the trait.</param>
/// <param name="Inverted">Whether the trait counts the feature low (1 − raw value).</param>
public sealed record Contribution(string Feature, double Value, double Weight, bool Inverted)
{
    /// <summary>Weight × value: what the feature adds to the weighted sum.</summary>
    public double Amount => Weight * Value;

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(Inverted ? "low " : "")}{Feature} {Value:0.00} (weight {Weight:0.##})");
}

/// <summary>A trait's score with the reasons for it.</summary>
/// <param name="Trait">The trait's name.</param>
/// <param name="Kind">Workload or shape.</param>
/// <param name="Score">Weighted average of the trait's features, 0 to 1; a feature with no data adds nothing.</param>
/// <param name="Coverage">The share of the trait's weight whose features had data, 0 to 1.</param>
/// <param name="Contributions">The features that had data, largest contribution first.</param>
/// <param name="Missing">The trait's features that had no data.</param>
public sealed record TraitScore(string Trait, TraitKind Kind, double Score, double Coverage, ImmutableArray<Contribution> Contributions, ImmutableArray<string> Missing)
{
    /// <summary>A one-line explanation: <c>database-server 0.81: disk.write-share 0.93 (weight 0.3), ...</c>.</summary>
    public string Explain(int features = 3) =>
        string.Create(CultureInfo.InvariantCulture, $"{Trait} {Score:0.00}: ") +
        string.Join(", ", Contributions.Take(features)) +
        (Coverage < 1 ? string.Create(CultureInfo.InvariantCulture, $" (coverage {Coverage:P0}; no data for {string.Join(", ", Missing)})") : "");
}

/// <summary>
/// The seed's <c>WeightedTraitVector</c>: every trait of the catalog with its score, strongest first, each score
/// traceable to the features that made it.
/// </summary>
public sealed record WeightedTraitVector(ImmutableArray<TraitScore> Traits)
{
    /// <summary>A trait's score by name, or null.</summary>
    public TraitScore? this[string trait] => Traits.FirstOrDefault(t => t.Trait == trait);

    /// <summary>The strongest traits.</summary>
    public IEnumerable<TraitScore> Top(int count, TraitKind? kind = null) =>
        Traits.Where(t => kind is null || t.Kind == kind).Take(count);
}
