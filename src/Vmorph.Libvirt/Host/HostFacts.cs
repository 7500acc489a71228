using System.Collections.Immutable;

namespace Vmorph.Libvirt.Host;

/// <summary>
/// What libvirt says about the host at the other end of a connection, as read (<see cref="HostReader"/>); turned into
/// the planner's <see cref="Planning.HostCapabilities"/> by the pure <see cref="HostCapabilitiesMapping.Map"/>.
/// </summary>
public sealed record HostFacts
{
    /// <summary>The host's name (<c>virConnectGetHostname</c>).</summary>
    public required string Hostname { get; init; }

    /// <summary>The host's logical CPUs, threads included (<c>virNodeGetInfo</c>: <c>cpus</c>).</summary>
    public required int LogicalCpus { get; init; }

    /// <summary>
    /// The host's memory as <c>virNodeGetInfo</c> reports it, in KiB: the sum of its NUMA nodes' memory, which can be
    /// less than the kernel's total (on the lab host NUMA node 0 lists 6.1 GiB of the kernel's 23.5 GiB).
    /// </summary>
    public required long NodeMemoryKiB { get; init; }

    /// <summary>
    /// The kernel's total memory in KiB (<c>virNodeGetMemoryStats</c> over all cells: field <c>total</c>, from
    /// <c>/proc/meminfo</c> MemTotal on Linux); null when the driver does not report it (<c>test:///default</c>).
    /// </summary>
    public long? TotalMemoryKiB { get; init; }

    /// <summary>The hypervisor driver's name (<c>virConnectGetType</c>: <c>QEMU</c>, <c>TEST</c>, ...).</summary>
    public required string HypervisorType { get; init; }

    /// <summary>The hypervisor's version, as libvirt encodes it: major × 1,000,000 + minor × 1,000 + release (<c>virConnectGetVersion</c>).</summary>
    public required ulong HypervisorVersion { get; init; }

    /// <summary>libvirt's version, encoded the same way (<c>virConnectGetLibVersion</c>).</summary>
    public required ulong LibvirtVersion { get; init; }

    /// <summary>
    /// The domain capabilities XML (<c>virConnectGetDomainCapabilities</c>), one document per domain type the host
    /// accepts (<c>kvm</c>, <c>qemu</c>); empty when the driver cannot report them (<c>test:///default</c>).
    /// </summary>
    public ImmutableArray<string> DomainCapabilities { get; init; } = [];

    /// <summary>The most vCPUs a domain may have by the driver's own limit (<c>virConnectGetMaxVcpus</c>); null when unknown.</summary>
    public int? MaxVcpus { get; init; }
}
