namespace Vmorph.Traits;

/// <summary>An archetype file as written in YAML, before validation.</summary>
public sealed class CatalogSpec
{
    /// <summary>Named lists of executables; each becomes a feature <c>app.NAME</c>.</summary>
    public Dictionary<string, List<string>>? ApplicationGroups { get; set; }

    /// <summary>Named lists of ports; each becomes a feature <c>port.NAME</c>.</summary>
    public Dictionary<string, List<int>>? PortGroups { get; set; }

    /// <summary>The archetypes.</summary>
    public List<ArchetypeSpec>? Archetypes { get; set; }

    /// <summary>How sure a workload trait must be before a VM is called that workload.</summary>
    public ClassificationSpec? Classification { get; set; }

    /// <summary>How fast in-guest evidence fades.</summary>
    public RecencySpec? Recency { get; set; }
}

/// <summary>The <c>recency</c> section as written in YAML: a later file's value overrides an earlier one's.</summary>
public sealed class RecencySpec
{
    /// <summary>The half-life of in-guest evidence (<c>30m</c>, <c>6h</c>, <c>1d</c>).</summary>
    public string? HalfLife { get; set; }
}

/// <summary>The <c>classification</c> section as written in YAML: each value overrides the one of an earlier file.</summary>
public sealed class ClassificationSpec
{
    /// <summary>The lowest workload score (0 to 1) that names the workload.</summary>
    public double? MinimumScore { get; set; }

    /// <summary>The lowest coverage (0 to 1) that names the workload.</summary>
    public double? MinimumCoverage { get; set; }

    /// <summary>The least lead (0 to 1) of the workload's score over the next workload's that names it.</summary>
    public double? MinimumMargin { get; set; }
}

/// <summary>One archetype as written in YAML.</summary>
public sealed class ArchetypeSpec
{
    /// <summary>The trait's name.</summary>
    public string? Name { get; set; }

    /// <summary><c>workload</c> or <c>shape</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>What the trait means.</summary>
    public string? Description { get; set; }

    /// <summary>The target profile a VM with this trait morphs to.</summary>
    public string? TargetProfile { get; set; }

    /// <summary>Features and their weights: a number, or <c>{ weight: 0.2, invert: true }</c>.</summary>
    public Dictionary<string, FeatureWeightSpec>? Features { get; set; }
}

/// <summary>A feature's weight as written in YAML.</summary>
public sealed class FeatureWeightSpec
{
    /// <summary>The weight (positive).</summary>
    public double? Weight { get; set; }

    /// <summary>Whether the trait wants the feature low.</summary>
    public bool Invert { get; set; }
}
