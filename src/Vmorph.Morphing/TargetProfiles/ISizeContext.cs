using Vmorph.Observations;

namespace Vmorph.TargetProfiles;

/// <summary>A statistic of a metric's distribution that a relative size refers to.</summary>
public enum SizeStatistic
{
    /// <summary>A percentile (<c>p95</c>); the quantile is carried beside it.</summary>
    Percentile,
    /// <summary>The decayed mean (<c>mean</c>).</summary>
    Mean,
    /// <summary>The largest value seen (<c>peak</c>).</summary>
    Peak,
}

/// <summary>What a relative size expression is evaluated against: the VM's measured profile.</summary>
public interface ISizeContext
{
    /// <summary>The VM, as messages name it.</summary>
    string Subject { get; }

    /// <summary>
    /// A statistic of a metric (in the metric's own unit: cores, bytes, bytes per second, fraction), or null when the
    /// profile has no data for it.
    /// </summary>
    double? Statistic(Metric metric, SizeStatistic statistic, double quantile);
}
