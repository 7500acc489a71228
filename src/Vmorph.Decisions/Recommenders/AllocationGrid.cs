using System.Globalization;

namespace Vmorph.Recommenders;

/// <summary>
/// The granularity every allocation is rounded up to, the same for every policy compared (the oracle included), so
/// that no policy wins by rounding. CPU is in steps of <see cref="CoreStep"/> cores: a VM keeps whole vCPUs and a live
/// CPU quota (libvirt <c>vcpu_quota</c>, see docs/SIMULATOR.md) caps it at the fraction; memory is in steps of
/// <see cref="MemoryStepMiB"/> MiB (the balloon sets any size).
/// </summary>
/// <param name="CoreStep">CPU step, cores.</param>
/// <param name="MinCores">Smallest CPU allocation, cores.</param>
/// <param name="MemoryStepMiB">Memory step, MiB.</param>
/// <param name="MinMemoryMiB">Smallest memory allocation, MiB.</param>
public sealed record AllocationGrid(double CoreStep, double MinCores, double MemoryStepMiB, double MinMemoryMiB)
{
    /// <summary>0.1 core (a 10 % CPU quota step), at least 0.1 core; 64 MiB, at least 128 MiB.</summary>
    public static AllocationGrid Default { get; } = new(0.1, 0.1, 64, 128);

    /// <summary>The CPU level (a whole number of steps) that holds <paramref name="cores"/>.</summary>
    public int CoreLevel(double cores)
    {
        var min = (int)Math.Round(MinCores / CoreStep);
        if (!(cores > 0)) return min;
        // Division rounds: make sure the level holds the value exactly, and is the smallest that does.
        var level = (int)Math.Ceiling(cores / CoreStep);
        while (CoresOf(level) < cores) level++;
        while (level > 0 && CoresOf(level - 1) >= cores) level--;
        return Math.Max(min, level);
    }

    /// <summary>The cores of a CPU level.</summary>
    public double CoresOf(int level) => Math.Round(level * CoreStep, 6);

    /// <summary>CPU rounded up to the grid.</summary>
    public double RoundCores(double cores) => CoresOf(CoreLevel(cores));

    /// <summary>The memory level that holds <paramref name="mib"/>.</summary>
    public int MemoryLevel(double mib)
    {
        var min = (int)Math.Round(MinMemoryMiB / MemoryStepMiB);
        if (!(mib > 0)) return min;
        var level = (int)Math.Ceiling(mib / MemoryStepMiB);
        while (MemoryOf(level) < mib) level++;
        while (level > 0 && MemoryOf(level - 1) >= mib) level--;
        return Math.Max(min, level);
    }

    /// <summary>The MiB of a memory level.</summary>
    public double MemoryOf(int level) => level * MemoryStepMiB;

    /// <summary>Memory rounded up to the grid; NaN stays NaN (memory not managed).</summary>
    public double RoundMemory(double mib) => double.IsNaN(mib) ? double.NaN : MemoryOf(MemoryLevel(mib));

    /// <summary>An allocation rounded up to the grid.</summary>
    public Allocation Round(Allocation allocation) => new(RoundCores(allocation.Cores), RoundMemory(allocation.MemoryMiB));

    /// <summary>Checks the grid, naming every problem.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(CoreStep > 0)) errors.Add("the CPU step must be positive");
        if (!(MinCores >= CoreStep)) errors.Add("the smallest CPU allocation must be at least one CPU step");
        if (!(MemoryStepMiB > 0)) errors.Add("the memory step must be positive");
        if (!(MinMemoryMiB >= MemoryStepMiB)) errors.Add("the smallest memory allocation must be at least one memory step");
        return errors;
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"CPU in steps of {CoreStep:0.###} cores (at least {MinCores:0.###}), memory in steps of {MemoryStepMiB:0} MiB (at least {MinMemoryMiB:0})");
}
