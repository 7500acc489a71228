namespace Vmorph.Policies;

/// <summary>
/// Where a policy sits on the trade-off between CPU paid for and CPU short of (<c>risk:</c> in the policy YAML). A
/// level sets the defaults of the settings that move a policy along it; a setting written in the triggers wins over
/// the level's. Leaner levels shrink sooner and further and so run short more often.
/// </summary>
public enum RiskLevel
{
    /// <summary>No level: every setting has its own default.</summary>
    Unset,
    /// <summary>Least CPU: shrinks after an hour of lower use, with no floor; about 0.5 % of steps short (Bitbrains 2013-8).</summary>
    Lean,
    /// <summary>vmorph's default: shrinks after 10 hours of lower use, keeps a floor for VMs that wake up; about 0.1 % of steps short.</summary>
    Balanced,
    /// <summary>Fewest shortfalls: sized to the 99th percentile of the forecast peak; about 0.02 % of steps short.</summary>
    Safe,
}

/// <summary>The settings a <see cref="RiskLevel"/> supplies when the policy does not write them.</summary>
/// <param name="CpuPercentile">triggers.resource-demand.cpu-percentile.</param>
/// <param name="Hysteresis">triggers.resource-demand.hysteresis.</param>
/// <param name="ShrinkAfter">triggers.resource-demand.shrink-after.</param>
/// <param name="Floor">triggers.resource-demand.floor.</param>
/// <param name="Quantile">triggers.predictive.quantile.</param>
/// <param name="RecentFloor">triggers.predictive.recent-floor.</param>
public sealed record RiskDefaults(double CpuPercentile, double Hysteresis, TimeSpan ShrinkAfter, double Floor, double Quantile, TimeSpan RecentFloor)
{
    /// <summary>The names written in YAML, by level.</summary>
    public static IReadOnlyDictionary<string, RiskLevel> Names { get; } = new Dictionary<string, RiskLevel>(StringComparer.Ordinal)
    {
        ["lean"] = RiskLevel.Lean,
        ["balanced"] = RiskLevel.Balanced,
        ["safe"] = RiskLevel.Safe,
    };

    /// <summary>
    /// The defaults of a level, or null for <see cref="RiskLevel.Unset"/>. The numbers were chosen on Bitbrains 2013-7
    /// only (docs/SIMULATOR.md, "Risk").
    /// </summary>
    public static RiskDefaults? For(RiskLevel level) => level switch
    {
        RiskLevel.Lean => new(0.90, 0.10, TimeSpan.FromHours(1), 0.0, 0.5, TimeSpan.FromHours(1)),
        RiskLevel.Balanced => new(0.99, 0.20, TimeSpan.FromHours(10), 0.35, 0.5, TimeSpan.FromHours(1)),
        RiskLevel.Safe => new(0.99, 0.20, TimeSpan.FromHours(10), 0.35, 0.99, TimeSpan.FromHours(1)),
        _ => null,
    };
}
