using Vmorph.Units;

namespace Vmorph.Planning;

/// <summary>How a hypervisor can make a kind of change to a running VM.</summary>
public enum ChangeSupport
{
    /// <summary>On the running VM, without downtime.</summary>
    Live,
    /// <summary>Written to the VM's persistent definition; takes effect when the VM restarts.</summary>
    Restart,
    /// <summary>Not at all: the planner refuses such a change.</summary>
    Unsupported,
}

/// <summary>
/// What a hypervisor host can do to a running VM, and how much a VM may be given (the seed's <c>LiveMorphingSupport</c>,
/// as data). The planner decides live or restart from these flags and never plans a change marked
/// <see cref="ChangeSupport.Unsupported"/>. Production reads it from the host through libvirt (Vmorph.Libvirt's
/// <c>HostCapabilitiesMapping</c>: logical CPUs, memory, the hypervisor driver); there is no default, so no plan is
/// capped by another host's numbers. The lab's measured facts (LAB.md) are test data (<c>tests/Shared/LabHost.cs</c>).
/// </summary>
public sealed record HostCapabilities
{
    /// <summary>A name for messages and plans (<c>vm (libvirt 9.0.0, QEMU 7.2.22, KVM, TCG)</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Host cores (logical CPUs): the most vCPUs (current or maximum) the planner gives one VM.</summary>
    public required int Cores { get; init; }

    /// <summary>Host memory: the most memory (current or maximum) the planner gives one VM.</summary>
    public required MemorySize Memory { get; init; }

    /// <summary>Adding vCPUs up to the maximum (hot-add).</summary>
    public ChangeSupport VcpuIncrease { get; init; } = ChangeSupport.Live;

    /// <summary>Removing vCPUs (hot-unplug).</summary>
    public ChangeSupport VcpuDecrease { get; init; } = ChangeSupport.Restart;

    /// <summary>Changing memory within the maximum (balloon).</summary>
    public ChangeSupport MemoryWithinMaximum { get; init; } = ChangeSupport.Live;

    /// <summary>Changing maximum vCPUs or maximum memory.</summary>
    public ChangeSupport MaximumChange { get; init; } = ChangeSupport.Restart;

    /// <summary>Setting or removing the CPU bandwidth quota.</summary>
    public ChangeSupport CpuQuota { get; init; } = ChangeSupport.Live;

    /// <summary>Setting disk I/O limits.</summary>
    public ChangeSupport DiskIoLimits { get; init; } = ChangeSupport.Live;

    /// <summary>Growing a disk (shrinking is never planned).</summary>
    public ChangeSupport DiskGrow { get; init; } = ChangeSupport.Live;

    /// <summary>Limiting a NIC's bandwidth.</summary>
    public ChangeSupport NicBandwidth { get; init; } = ChangeSupport.Unsupported;

    /// <summary>Whether snapshots of a running VM (memory and disk) can be taken and reverted.</summary>
    public bool Snapshots { get; init; } = true;

    /// <summary>The CPU bandwidth period used when a VM has none, in microseconds.</summary>
    public long DefaultCpuPeriodMicroseconds { get; init; } = 100_000;
}
