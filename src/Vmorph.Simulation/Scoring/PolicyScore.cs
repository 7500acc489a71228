namespace Vmorph.Simulation.Scoring;

/// <summary>
/// How a policy did over a replay, pooled over every VM-step (definitions in docs/SIMULATOR.md).
/// </summary>
/// <param name="Policy">The policy.</param>
/// <param name="Vms">VMs replayed.</param>
/// <param name="VmDays">VM-days replayed.</param>
/// <param name="Steps">VM-steps with a CPU measurement.</param>
/// <param name="CpuSlack">Unused share of allocated CPU: Σ max(0, alloc − use) / Σ alloc.</param>
/// <param name="CpuShortfallShare">Share of steps where CPU use exceeded the allocation.</param>
/// <param name="CpuUnservedShare">Share of CPU demand not served: Σ max(0, use − alloc) / Σ use.</param>
/// <param name="CpuShortfallSteps">Steps where CPU use exceeded the allocation.</param>
/// <param name="MemoryShortfallSteps">Steps where memory use exceeded the allocation (would-be OOMs); null for CPU-only traces.</param>
/// <param name="MemoryShortfallShare">Their share of the steps with memory; null for CPU-only traces.</param>
/// <param name="MemorySlack">Unused share of allocated memory, Σ max(0, alloc − use) / Σ alloc; null for CPU-only traces.</param>
/// <param name="Morphs">Allocation changes (CPU or memory at one step counts once).</param>
/// <param name="MorphsPerVmDay">Morphs per VM-day.</param>
/// <param name="MeanCpuAllocated">Mean CPU allocated per VM-step, cores.</param>
/// <param name="MeanCpuUsed">Mean CPU used per VM-step, cores.</param>
/// <param name="Counters">What the policy reported (intents by trigger, gate deferrals), summed over VMs.</param>
public sealed record PolicyScore(
    string Policy,
    int Vms,
    double VmDays,
    long Steps,
    double CpuSlack,
    double CpuShortfallShare,
    double CpuUnservedShare,
    long CpuShortfallSteps,
    long? MemoryShortfallSteps,
    double? MemoryShortfallShare,
    double? MemorySlack,
    long Morphs,
    double MorphsPerVmDay,
    double MeanCpuAllocated,
    double MeanCpuUsed,
    IReadOnlyDictionary<string, long> Counters);
