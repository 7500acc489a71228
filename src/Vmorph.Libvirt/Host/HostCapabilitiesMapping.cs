using System.Collections.Immutable;
using System.Globalization;
using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Libvirt.Host;

/// <summary>
/// Turns what libvirt says about a host (<see cref="HostFacts"/>) into the planner's <see cref="HostCapabilities"/>.
/// Pure: the same facts give the same capabilities.
/// </summary>
/// <remarks>
/// <para>How much: <see cref="HostCapabilities.Cores"/> is the host's logical CPUs (a VM given more vCPUs than the host
/// has threads only competes with itself), held to the lowest vCPU maximum of the domain types the host offers (or the
/// driver's own maximum); <see cref="HostCapabilities.Memory"/> is the kernel's total memory, or the NUMA nodes' sum
/// when the driver reports no memory statistics.</para>
/// <para>What is live is not something libvirt reports (domain capabilities list devices and features, not which
/// changes a running domain takes), so it is decided per hypervisor driver from what is known of it:</para>
/// <list type="bullet">
/// <item><c>QEMU</c>: vCPU hot-add, the balloon within the maximum, the CPU quota (<c>schedinfo</c>), disk I/O limits
/// (<c>blkdeviotune</c>) and disk growth (<c>blockresize</c>) are live, as LAB.md measured (growth is QEMU's standard
/// <c>block_resize</c>, not measured). vCPU hot-unplug waits for a restart: under TCG it fails (LAB.md: QEMU removes the
/// CPU, libvirt times out and reports stale counts), and under KVM it needs the guest to give the CPU up within libvirt's
/// timeout, which nothing guarantees. Maximums are part of the definition and change at a restart. Internal snapshots of
/// memory and disks work.</item>
/// <item>Any other driver (<c>test</c>, Xen, LXC, ...): vmorph's driver was measured on QEMU only, so nothing is
/// assumed live: every resource change is written to the definition for a restart, disk growth (QEMU's
/// <c>block_resize</c>) is refused, and no snapshot is assumed.</item>
/// <item>NIC bandwidth is refused on every host. <c>domiftune</c> needs tc's qdiscs, classifiers and police action in
/// the host kernel (htb, sfq, ingress, u32, police), and whether they are there cannot be read reliably: a built-in
/// module without parameters leaves no trace in <c>/sys/module</c>, the lab host shows <c>/sys/module/sch_htb</c> and
/// has no <c>/proc/modules</c> yet <c>domiftune</c> fails there, a remote connection's kernel cannot be looked at, and
/// trying it leaves a partial qdisc behind when it fails. vmorph's configuration model has no NIC bandwidth either.</item>
/// </list>
/// </remarks>
public static class HostCapabilitiesMapping
{
    /// <summary>The capabilities of the host the facts describe, or every reason they cannot be used.</summary>
    public static Result<LibvirtHost> Map(HostFacts facts)
    {
        var errors = new List<string>();
        if (facts.LogicalCpus <= 0) errors.Add($"libvirt reports {facts.LogicalCpus} CPUs on host '{facts.Hostname}'");
        var memoryKiB = facts.TotalMemoryKiB is > 0 ? facts.TotalMemoryKiB.Value : facts.NodeMemoryKiB;
        if (memoryKiB <= 0) errors.Add($"libvirt reports no memory on host '{facts.Hostname}'");
        var domains = ImmutableArray.CreateBuilder<DomainCapabilities>();
        foreach (var xml in facts.DomainCapabilities)
        {
            var parsed = DomainCapabilitiesXml.Parse(xml);
            if (parsed.IsSuccess) domains.Add(parsed.Value);
            else errors.AddRange(parsed.Errors.Select(e => $"host '{facts.Hostname}': {e}"));
        }
        if (errors.Count > 0) return Result<LibvirtHost>.Fail(errors);

        var maxima = domains.Select(d => d.MaxVcpus).Append(domains.Count == 0 ? facts.MaxVcpus : null).OfType<int>().Where(m => m > 0).ToList();
        var cores = maxima.Count == 0 ? facts.LogicalCpus : Math.Min(facts.LogicalCpus, maxima.Min());
        var accelerators = domains.Select(d => d.Accelerator).Distinct(StringComparer.Ordinal).ToList();
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{facts.Hostname} (libvirt {Version(facts.LibvirtVersion)}, {facts.HypervisorType} {Version(facts.HypervisorVersion)}{(accelerators.Count == 0 ? "" : ", " + string.Join(", ", accelerators))})");
        // QEMU as measured (live where LAB.md saw it work); any other driver: every change waits for a restart.
        var qemu = new HostCapabilities
        {
            Name = name,
            Cores = cores,
            Memory = MemorySize.FromKiB(memoryKiB),
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
        var capabilities = string.Equals(facts.HypervisorType, "QEMU", StringComparison.OrdinalIgnoreCase)
            ? qemu
            : qemu with
            {
                VcpuIncrease = ChangeSupport.Restart,
                MemoryWithinMaximum = ChangeSupport.Restart,
                CpuQuota = ChangeSupport.Restart,
                DiskIoLimits = ChangeSupport.Restart,
                DiskGrow = ChangeSupport.Unsupported,
                Snapshots = false,
            };
        return Result<LibvirtHost>.Ok(new LibvirtHost(facts, domains.ToImmutable(), capabilities));
    }

    /// <summary>A version libvirt encodes as major × 1,000,000 + minor × 1,000 + release, as <c>major.minor.release</c>.</summary>
    public static string Version(ulong encoded) =>
        string.Create(CultureInfo.InvariantCulture, $"{encoded / 1_000_000}.{encoded / 1_000 % 1_000}.{encoded % 1_000}");
}
