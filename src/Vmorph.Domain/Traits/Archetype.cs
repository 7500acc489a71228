using System.Collections.Immutable;

namespace Vmorph.Traits;

/// <summary>Whether a trait names a kind of workload or a shape of resource use.</summary>
public enum TraitKind
{
    /// <summary>A kind of workload (database server, web server, development box): what a VM is for.</summary>
    Workload,
    /// <summary>A shape of resource use (CPU-bound, bursty, diurnal): how a VM uses what it has.</summary>
    Shape,
}

/// <summary>One feature's part in a trait: its weight, and whether the trait wants the feature low (1 − value).</summary>
public sealed record FeatureWeight(string Feature, double Weight, bool Invert);

/// <summary>A validated archetype: a named trait scored as a weighted average of features.</summary>
/// <param name="Name">The trait's name (<c>database-server</c>).</param>
/// <param name="Kind">Workload or shape.</param>
/// <param name="Description">What the trait means, for people.</param>
/// <param name="TargetProfile">The target profile a VM with this trait morphs to, if any.</param>
/// <param name="Weights">The features and their weights (all positive).</param>
/// <param name="Source">Where it was defined (<c>built-in</c> or a file path).</param>
public sealed record Archetype(string Name, TraitKind Kind, string Description, string? TargetProfile, ImmutableArray<FeatureWeight> Weights, string Source)
{
    /// <summary>The sum of the weights.</summary>
    public double TotalWeight => Weights.Sum(w => w.Weight);
}
