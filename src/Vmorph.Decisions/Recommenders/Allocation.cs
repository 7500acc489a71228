using System.Globalization;
using Vmorph.Units;

namespace Vmorph.Recommenders;

/// <summary>
/// What a VM is given: CPU in cores and memory in MiB. Memory is NaN where it is not managed (CPU-only traces such as
/// Azure V1 and PlanetLab). Kept as two doubles because a replay compares millions of them; <see cref="Cpu"/> and
/// <see cref="Memory"/> give them their units.
/// </summary>
/// <param name="Cores">CPU in cores (a fractional value is a CPU quota, <c>vcpu_quota</c>, over whole vCPUs).</param>
/// <param name="MemoryMiB">Memory in MiB, NaN where memory is not managed.</param>
public readonly record struct Allocation(double Cores, double MemoryMiB)
{
    /// <summary>Whether memory is managed.</summary>
    public bool HasMemory => !double.IsNaN(MemoryMiB);

    /// <summary>The CPU, with its unit.</summary>
    public CpuCores Cpu => new(Cores);

    /// <summary>The memory, with its unit, or null where it is not managed.</summary>
    public MemorySize? Memory => HasMemory ? MemorySize.FromMiB(MemoryMiB) : null;

    /// <summary>An allocation of CPU only.</summary>
    public static Allocation CpuOnly(double cores) => new(cores, double.NaN);

    /// <summary>The same allocation with other CPU.</summary>
    public Allocation WithCores(double cores) => this with { Cores = cores };

    /// <summary>The same allocation with other memory.</summary>
    public Allocation WithMemory(double memoryMiB) => this with { MemoryMiB = memoryMiB };

    /// <inheritdoc />
    public override string ToString() =>
        HasMemory
            ? string.Create(CultureInfo.InvariantCulture, $"{Cores:0.##} cores, {MemoryMiB:0} MiB")
            : string.Create(CultureInfo.InvariantCulture, $"{Cores:0.##} cores");
}
