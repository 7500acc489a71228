namespace Vmorph.Planning;

/// <summary>What a plan step changes.</summary>
public enum StepKind
{
    /// <summary>vCPUs online (<c>setvcpus</c>).</summary>
    SetVcpus,
    /// <summary>Maximum vCPUs (<c>setvcpus --maximum --config</c>).</summary>
    SetMaxVcpus,
    /// <summary>Memory (<c>setmem</c>, the balloon).</summary>
    SetMemory,
    /// <summary>Maximum memory (<c>setmaxmem --config</c>).</summary>
    SetMaxMemory,
    /// <summary>CPU bandwidth quota and period (<c>schedinfo vcpu_quota vcpu_period</c>).</summary>
    SetCpuQuota,
    /// <summary>A disk's throughput and IOPS limits (<c>blkdeviotune</c>).</summary>
    SetDiskIoLimits,
    /// <summary>A disk's size, only ever up (<c>blockresize</c>).</summary>
    GrowDisk,
    /// <summary>A guest firewall rule on a port or a peer.</summary>
    SetNetworkRule,
    /// <summary>A package installed in the guest.</summary>
    InstallPackage,
    /// <summary>A package removed from the guest.</summary>
    RemovePackage,
    /// <summary>A service enabled and started.</summary>
    EnableService,
    /// <summary>A service disabled and stopped.</summary>
    DisableService,
    /// <summary>A kernel setting.</summary>
    SetSysctl,
    /// <summary>An SSH daemon setting.</summary>
    SetSsh,
    /// <summary>The guest firewall's default for incoming traffic.</summary>
    SetFirewallDefault,
    /// <summary>Restarts the VM so that the restart-mode steps before it take effect; changes no setting itself.</summary>
    RestartVm,
}

/// <summary>When a step takes effect.</summary>
public enum StepMode
{
    /// <summary>At once on the running VM.</summary>
    Live,
    /// <summary>At the VM's next restart (the plan's <see cref="StepKind.RestartVm"/> step).</summary>
    Restart,
}

/// <summary>Who carries a step out.</summary>
public enum StepChannel
{
    /// <summary>The hypervisor (libvirt).</summary>
    Hypervisor,
    /// <summary>The guest, through the QEMU guest agent or SSH, with argument vectors.</summary>
    Guest,
}

/// <summary>How a step is undone.</summary>
public enum InverseMechanism
{
    /// <summary>By its inverse step: nothing is lost.</summary>
    Step,
    /// <summary>Only by reverting the morph's snapshot: what the guest wrote since is lost.</summary>
    Snapshot,
}

/// <summary>When a morph takes its snapshot (<c>vmorph plan/apply --snapshot</c>).</summary>
public enum SnapshotPolicy
{
    /// <summary>
    /// The default: before the first step that cannot be undone live, whether only the snapshot can undo it (growing a
    /// disk) or its inverse needs a restart (a vCPU hot-add, LAB.md). Safest; an internal snapshot pauses the guest
    /// while QEMU writes its memory (0.5–0.8 s for a 256 MiB lab guest, docs/BENCHMARKS.md).
    /// </summary>
    Auto,

    /// <summary>
    /// Only before a step that nothing but the snapshot can undo. A step whose inverse needs a restart is undone by that
    /// restart (nothing the guest wrote is lost), so the guest is never paused; but if that restart fails there is no
    /// snapshot to fall back to and the morph stops as failed, for a person.
    /// </summary>
    Minimal,
}

/// <summary>How risky a step is.</summary>
public enum RiskLevel
{
    /// <summary>Unlikely to hurt the workload.</summary>
    Low,
    /// <summary>May hurt the workload; watch the guard.</summary>
    Medium,
    /// <summary>Downtime or possible loss of access; a person should look first.</summary>
    High,
}

/// <summary>How vmorph reaches inside the VM for guest-side steps.</summary>
public enum GuestAccess
{
    /// <summary>No way in: guest-side steps are refused.</summary>
    None,
    /// <summary>The QEMU guest agent (<c>guest-exec</c> with argument vectors).</summary>
    Agent,
    /// <summary>SSH, where configured (argument vectors, never shell strings).</summary>
    Ssh,
}
