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
