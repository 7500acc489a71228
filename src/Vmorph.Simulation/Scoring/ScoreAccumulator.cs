namespace Vmorph.Simulation.Scoring;

/// <summary>
/// Sums over steps from which the metrics of <see cref="PolicyScore"/> are computed. Not thread-safe: one per VM, then
/// merged.
/// </summary>
public sealed class ScoreAccumulator
{
    /// <summary>VMs summed.</summary>
    public int Vms { get; private set; }

    /// <summary>VM-days replayed: steps × the VM's step length.</summary>
    public double VmDays { get; private set; }

    /// <summary>Steps with a CPU measurement.</summary>
    public long CpuSteps { get; private set; }

    /// <summary>Σ CPU used, core-steps.</summary>
    public double CpuUsed { get; private set; }

    /// <summary>Σ CPU allocated, core-steps.</summary>
    public double CpuAllocated { get; private set; }

    /// <summary>Σ max(0, allocated − used), core-steps.</summary>
    public double CpuSlack { get; private set; }

    /// <summary>Σ max(0, used − allocated), core-steps.</summary>
    public double CpuUnserved { get; private set; }

    /// <summary>Steps where CPU used exceeded the allocation.</summary>
    public long CpuShortfallSteps { get; private set; }

    /// <summary>Steps with a memory measurement and a memory allocation.</summary>
    public long MemorySteps { get; private set; }

    /// <summary>Σ memory used, MiB-steps.</summary>
    public double MemoryUsed { get; private set; }

    /// <summary>Σ memory allocated, MiB-steps.</summary>
    public double MemoryAllocated { get; private set; }

    /// <summary>Steps where memory used exceeded the allocation (would-be OOMs).</summary>
    public long MemoryShortfallSteps { get; private set; }

    /// <summary>Σ max(0, allocated − used) of memory, MiB-steps.</summary>
    public double MemorySlack { get; private set; }

    /// <summary>Allocation changes (a change of CPU and memory at one step counts once).</summary>
    public long Morphs { get; private set; }

    /// <summary>Starts a VM.</summary>
    public void BeginVm(double vmDays)
    {
        Vms++;
        VmDays += vmDays;
    }

    /// <summary>Scores one step.</summary>
    public void Add(double cpuUsed, double cpuAllocated, double memoryUsed, double memoryAllocated)
    {
        if (!double.IsNaN(cpuUsed))
        {
            CpuSteps++;
            CpuUsed += cpuUsed;
            CpuAllocated += cpuAllocated;
            if (cpuUsed > cpuAllocated)
            {
                CpuShortfallSteps++;
                CpuUnserved += cpuUsed - cpuAllocated;
            }
            else
            {
                CpuSlack += cpuAllocated - cpuUsed;
            }
        }
        if (!double.IsNaN(memoryUsed) && !double.IsNaN(memoryAllocated))
        {
            MemorySteps++;
            MemoryUsed += memoryUsed;
            MemoryAllocated += memoryAllocated;
            if (memoryUsed > memoryAllocated) MemoryShortfallSteps++;
            else MemorySlack += memoryAllocated - memoryUsed;
        }
    }

    /// <summary>Counts a morph.</summary>
    public void AddMorph() => Morphs++;

    /// <summary>Adds another accumulator's sums.</summary>
    public void Merge(ScoreAccumulator other)
    {
        Vms += other.Vms;
        VmDays += other.VmDays;
        CpuSteps += other.CpuSteps;
        CpuUsed += other.CpuUsed;
        CpuAllocated += other.CpuAllocated;
        CpuSlack += other.CpuSlack;
        CpuUnserved += other.CpuUnserved;
        CpuShortfallSteps += other.CpuShortfallSteps;
        MemorySteps += other.MemorySteps;
        MemoryUsed += other.MemoryUsed;
        MemoryAllocated += other.MemoryAllocated;
        MemoryShortfallSteps += other.MemoryShortfallSteps;
        MemorySlack += other.MemorySlack;
        Morphs += other.Morphs;
    }

    /// <summary>The metrics.</summary>
    public PolicyScore ToScore(string policy, IReadOnlyDictionary<string, long>? counters = null) => new(
        policy,
        Vms,
        VmDays,
        CpuSteps,
        CpuAllocated > 0 ? CpuSlack / CpuAllocated : 0,
        CpuSteps > 0 ? (double)CpuShortfallSteps / CpuSteps : 0,
        CpuUsed > 0 ? CpuUnserved / CpuUsed : 0,
        CpuShortfallSteps,
        MemorySteps > 0 ? MemoryShortfallSteps : null,
        MemorySteps > 0 ? (double)MemoryShortfallSteps / MemorySteps : null,
        MemoryAllocated > 0 ? MemorySlack / MemoryAllocated : null,
        Morphs,
        VmDays > 0 ? Morphs / VmDays : 0,
        CpuSteps > 0 ? CpuAllocated / CpuSteps : 0,
        CpuSteps > 0 ? CpuUsed / CpuSteps : 0,
        counters ?? new Dictionary<string, long>());
}
