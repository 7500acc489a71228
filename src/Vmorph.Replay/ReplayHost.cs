using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Replay;

/// <summary>
/// What the planner may do on a replayed fleet's host (<see cref="Capabilities"/>): a roomy host where every change a
/// replay can make applies live. vCPUs (up and down), memory, maximums and the CPU quota change the allocation at once;
/// disk I/O limits and disk growth are recorded in the configuration (a replay has no disk traffic for them to act
/// on), so that the built-in target profiles, which all set disk limits, can be planned; NIC bandwidth is refused, as
/// on every real host. Snapshots are taken (they record the allocation: there is no guest memory or disk to save).
/// Guest settings (packages, services, kernel, SSH, firewall) are left out of plans because a replayed VM has no guest.
/// </summary>
public static class ReplayHost
{
    /// <summary>The host's cores: more than any trace VM asks for.</summary>
    public const int Cores = 512;

    /// <summary>The host's capabilities.</summary>
    public static HostCapabilities Capabilities { get; } = new()
    {
        Name = "replay (trace usage, allocations changed live)",
        Cores = Cores,
        Memory = MemorySize.FromGiB(4096),
        VcpuIncrease = ChangeSupport.Live,
        VcpuDecrease = ChangeSupport.Live,
        MemoryWithinMaximum = ChangeSupport.Live,
        MaximumChange = ChangeSupport.Live,
        CpuQuota = ChangeSupport.Live,
        DiskIoLimits = ChangeSupport.Live,
        DiskGrow = ChangeSupport.Live,
        NicBandwidth = ChangeSupport.Unsupported,
        Snapshots = true,
    };
}
