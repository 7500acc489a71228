using Vmorph.Identity;

namespace Vmorph.Collection;

/// <summary>
/// A domain's cumulative counters and gauges at one instant, as the hypervisor's all-domain statistics report them.
/// Absent values are null, never zero.
/// </summary>
public sealed record DomainCounters
{
    /// <summary>The domain.</summary>
    public required VmId Vm { get; init; }

    /// <summary>When they were read (wall clock).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>When they were read, in seconds of a monotonic clock: what rates are computed from.</summary>
    public required double MonotonicSeconds { get; init; }

    /// <summary>The running instance's id: a different one means the domain restarted and its counters began again.</summary>
    public int? RuntimeId { get; init; }

    /// <summary>The domain's state.</summary>
    public DomainState State { get; init; } = DomainState.Running;

    /// <summary>CPU time used by the domain (<c>cpu.time</c>), nanoseconds.</summary>
    public long? CpuTimeNanoseconds { get; init; }

    /// <summary>vCPUs online (<c>vcpu.current</c>).</summary>
    public int? Vcpus { get; init; }

    /// <summary>
    /// Per vCPU: how long its thread was runnable but waited for a host CPU (<c>vcpu.N.delay</c>, the scheduler's run
    /// delay: a busy host, or the vCPU throttled by a CPU quota), nanoseconds. Empty where the hypervisor does not say.
    /// </summary>
    public IReadOnlyList<VcpuDelay> VcpuDelays { get; init; } = [];

    /// <summary>
    /// Per CPU the guest has online: its cumulative busy and idle time as the guest itself counts them (the QEMU guest
    /// agent's <c>guest-get-cpustats</c>, the guest's <c>/proc/stat</c>), read right after the hypervisor's counters.
    /// Empty where the guest could not be asked (no agent, an agent too old, the guest view turned off).
    /// </summary>
    public IReadOnlyList<GuestCpuTime> GuestCpu { get; init; } = [];

    /// <summary>The balloon's current size (<c>balloon.current</c>): memory the guest has, KiB.</summary>
    public long? BalloonCurrentKiB { get; init; }

    /// <summary>Memory the guest sees (<c>balloon.available</c>, its MemTotal), KiB; reported by the guest's balloon driver.</summary>
    public long? BalloonAvailableKiB { get; init; }

    /// <summary>Memory the guest could give back without swapping (<c>balloon.usable</c>, its MemAvailable), KiB.</summary>
    public long? BalloonUsableKiB { get; init; }

    /// <summary>Memory the guest leaves entirely unused (<c>balloon.unused</c>, its MemFree), KiB.</summary>
    public long? BalloonUnusedKiB { get; init; }

    /// <summary>Per disk: bytes read and written (<c>block.N.rd.bytes</c>, <c>block.N.wr.bytes</c>).</summary>
    public IReadOnlyList<DeviceCounters> Disks { get; init; } = [];

    /// <summary>Per NIC: bytes received and sent by the guest (<c>net.N.rx.bytes</c>, <c>net.N.tx.bytes</c>).</summary>
    public IReadOnlyList<DeviceCounters> Nics { get; init; } = [];
}

/// <summary>A device's two cumulative byte counters: read/written for a disk, received/sent for a NIC.</summary>
public sealed record DeviceCounters(string Name, long? In, long? Out);

/// <summary>
/// One guest CPU's cumulative time as the guest counts it, milliseconds: busy (user, nice, system, irq, softirq, steal,
/// counted by ticks) and idle (idle and iowait, measured with the guest's clock).
/// </summary>
public sealed record GuestCpuTime(int Cpu, long BusyMilliseconds, long IdleMilliseconds);

/// <summary>One vCPU's cumulative wait for a host CPU (<c>vcpu.N.delay</c>), nanoseconds.</summary>
public sealed record VcpuDelay(int Vcpu, long Nanoseconds);
