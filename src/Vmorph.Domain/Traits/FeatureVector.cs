using System.Collections.Immutable;

namespace Vmorph.Traits;

/// <summary>A profile's features, each normalised to [0, 1]; a feature without data is absent, not zero.</summary>
public sealed record FeatureVector(ImmutableSortedDictionary<string, double> Values)
{
    /// <summary>A feature's value, or null if it had no data.</summary>
    public double? this[string feature] => Values.TryGetValue(feature, out var v) ? v : null;
}
