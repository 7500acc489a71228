namespace Vmorph.Recommenders;

/// <summary>
/// One step of a VM's history as a recommender sees it: what the VM used over the step and what it was given. Absent
/// measurements are NaN.
/// </summary>
/// <param name="UnixSeconds">When the step started, in seconds since the Unix epoch.</param>
/// <param name="Cores">CPU used, in cores (NaN if not measured); where the source measured demand (a live VM: used plus the
/// time its vCPUs waited for a host CPU), the demand, so that a VM starved by its host or capped by a quota shows what it wanted.</param>
/// <param name="MemoryMiB">Memory used, in MiB (NaN if not measured).</param>
/// <param name="InForce">The allocation in force during the step.</param>
public readonly record struct UsageSample(long UnixSeconds, double Cores, double MemoryMiB, Allocation InForce)
{
    /// <summary>Whether CPU was measured.</summary>
    public bool HasCpu => !double.IsNaN(Cores);

    /// <summary>Whether memory was measured.</summary>
    public bool HasMemory => !double.IsNaN(MemoryMiB);

    /// <summary>The VM wanted more CPU than it had: usage at or above the allocation.</summary>
    public bool CpuShortfall => HasCpu && Cores > InForce.Cores;

    /// <summary>The VM needed more memory than it had: in a live VM, an OOM kill or heavy swapping.</summary>
    public bool OutOfMemory => HasMemory && InForce.HasMemory && MemoryMiB > InForce.MemoryMiB;
}
