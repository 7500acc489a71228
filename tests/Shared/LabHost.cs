using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Testing;

/// <summary>
/// The lab host of LAB.md as test data (production reads the real host through libvirt). One source file, linked into
/// each test project that needs it (<c>&lt;Compile Include="../Shared/LabHost.cs" /&gt;</c>).
/// </summary>
internal static class LabHost
{
    /// <summary>
    /// The lab host of LAB.md: Debian 12, libvirt 9.0, QEMU 7.2 under TCG, 2 cores, 24 GiB. vCPU hot-add works and
    /// hot-remove fails (so a decrease waits for a restart); the balloon works within the maximum; <c>schedinfo
    /// vcpu_quota</c> and <c>blkdeviotune</c> work live; <c>domiftune</c> fails on every NIC type (no tc modules in the
    /// host kernel) so NIC bandwidth is unsupported; internal snapshots work, but only if taken before any vCPU
    /// hot-add. Maximums are part of the domain definition and change at a restart. Growing a disk
    /// (<c>blockresize</c>) is QEMU's standard live resize but was not measured in LAB.md.
    /// </summary>
    public static HostCapabilities Capabilities { get; } = new()
    {
        Name = "lab (libvirt 9.0, QEMU 7.2 TCG)",
        Cores = 2,
        Memory = MemorySize.FromGiB(24),
        VcpuIncrease = ChangeSupport.Live,
        VcpuDecrease = ChangeSupport.Restart,
        MemoryWithinMaximum = ChangeSupport.Live,
        MaximumChange = ChangeSupport.Restart,
        CpuQuota = ChangeSupport.Live,
        DiskIoLimits = ChangeSupport.Live,
        DiskGrow = ChangeSupport.Live,
        NicBandwidth = ChangeSupport.Unsupported,
        Snapshots = true,
    };
}
