namespace Vmorph.Traits;

/// <summary>
/// How sure the trait vector must be before a VM is called a kind of workload: below any threshold it is
/// <c>unknown</c>, with its best guess shown beside. Set by the <c>classification</c> section of the archetype YAML.
/// </summary>
/// <param name="MinimumScore">The lowest workload score (0 to 1) that names the workload.</param>
/// <param name="MinimumCoverage">The lowest coverage (0 to 1) of that workload's features that names it.</param>
/// <param name="MinimumMargin">The least lead (0 to 1) of that workload's score over the next workload's.</param>
public sealed record ClassificationThresholds(double MinimumScore, double MinimumCoverage, double MinimumMargin = 0)
{
    /// <summary>The thresholds when no archetype file sets them.</summary>
    public static ClassificationThresholds Default { get; } = new(0.5, 0.75);
}
