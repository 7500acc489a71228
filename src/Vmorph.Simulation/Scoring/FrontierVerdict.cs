namespace Vmorph.Simulation.Scoring;

/// <summary>
/// The goal read off one replay's table: which vmorph policy beats each baseline on its own ground, whether a
/// reference rule beats a vmorph policy outright, and how far each is from the oracle.
/// </summary>
/// <param name="Policies">The policies, in table order.</param>
/// <param name="Scores">Their scores, in the same order.</param>
public sealed record FrontierVerdict(IReadOnlyList<PolicyInfo> Policies, IReadOnlyList<PolicyScore> Scores)
{
    /// <summary>The memory shortfall (share of steps) a vmorph policy may always have, whatever the baseline's.</summary>
    public const double MemoryShortfallAllowance = 0.001;

    /// <summary>
    /// Whether <paramref name="policy"/> beats <paramref name="baseline"/> on the baseline's ground: less CPU allocated,
    /// no more CPU short steps, no more unserved demand, and a memory shortfall no worse than the baseline's or
    /// <see cref="MemoryShortfallAllowance"/> of steps.
    /// </summary>
    public static bool Beats(PolicyScore policy, PolicyScore baseline) =>
        policy.MeanCpuAllocated < baseline.MeanCpuAllocated
        && policy.CpuShortfallShare <= baseline.CpuShortfallShare
        && policy.CpuUnservedShare <= baseline.CpuUnservedShare
        && (policy.MemoryShortfallShare ?? 0) <= Math.Max(baseline.MemoryShortfallShare ?? 0, MemoryShortfallAllowance);

    /// <summary>Whether <paramref name="rule"/> is better than <paramref name="policy"/> on all three of allocation, short steps and unserved demand.</summary>
    public static bool Dominates(PolicyScore rule, PolicyScore policy) =>
        rule.MeanCpuAllocated < policy.MeanCpuAllocated
        && rule.CpuShortfallShare < policy.CpuShortfallShare
        && rule.CpuUnservedShare < policy.CpuUnservedShare;

    /// <summary>Each baseline (not <c>static</c>, which is no rightsizing) with the vmorph policies that beat it.</summary>
    public IReadOnlyList<(PolicyScore Baseline, IReadOnlyList<string> BeatenBy)> Baselines() =>
        [.. Of(PolicyInfo.Baseline).Where(b => b.Policy != "static")
            .Select(b => (b, (IReadOnlyList<string>)[.. Of(PolicyInfo.Vmorph).Where(v => Beats(v, b)).Select(v => v.Policy)]))];

    /// <summary>Each vmorph policy with the reference rules that beat it on all three.</summary>
    public IReadOnlyList<(PolicyScore Policy, IReadOnlyList<string> DominatedBy)> Presets() =>
        [.. Of(PolicyInfo.Vmorph).Select(v => (v, (IReadOnlyList<string>)[.. Of(PolicyInfo.Reference).Where(r => Dominates(r, v)).Select(r => r.Policy)]))];

    /// <summary>
    /// How far a policy is from the oracle: the extra cores it allocates, and that as a share of static's extra cores
    /// (0 = the oracle, 1 = no better than static); null without an oracle (or without static, for the share).
    /// </summary>
    public (double Cores, double? ShareOfStaticGap)? OracleGap(PolicyScore policy)
    {
        var oracle = Of(PolicyInfo.OracleKind).FirstOrDefault();
        if (oracle is null) return null;
        var gap = policy.MeanCpuAllocated - oracle.MeanCpuAllocated;
        var staticScore = Scores.FirstOrDefault(s => s.Policy == "static");
        var staticGap = staticScore is null ? 0 : staticScore.MeanCpuAllocated - oracle.MeanCpuAllocated;
        return (gap, staticGap > 0 ? gap / staticGap : null);
    }

    private IEnumerable<PolicyScore> Of(string kind) => Scores.Zip(Policies).Where(p => p.Second.Kind == kind).Select(p => p.First);
}
