using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using Vmorph.Libvirt.Native;

namespace Vmorph.Libvirt.Host;

/// <summary>
/// Reads <see cref="HostFacts"/> through an open libvirt connection: <c>virNodeGetInfo</c>, <c>virNodeGetMemoryStats</c>,
/// <c>virConnectGetHostname</c>, <c>virConnectGetType</c>, <c>virConnectGetVersion</c>, <c>virConnectGetLibVersion</c>,
/// <c>virConnectGetDomainCapabilities</c> (for <c>kvm</c> and <c>qemu</c> on QEMU; a type the host lacks is skipped)
/// and, when there are no domain capabilities, <c>virConnectGetMaxVcpus</c>. Blocking: call on a pool thread, which
/// also reads libvirt's error for the same call.
/// </summary>
internal static unsafe class HostReader
{
    private static readonly string?[] QemuDomainTypes = ["kvm", "qemu"];
    private static readonly string?[] DefaultDomainType = [null];

    /// <summary>The facts, or why the host cannot be read (only <c>virNodeGetInfo</c> is required).</summary>
    public static Result<HostFacts> Read(IntPtr connection, string uri)
    {
        if (LibvirtNative.virNodeGetInfo(connection, out var node) < 0)
            return Result<HostFacts>.Fail($"reading the host of {uri} (virNodeGetInfo): {LibvirtNative.LastError()}");
        var type = Marshal.PtrToStringUTF8(LibvirtNative.virConnectGetType(connection)) ?? "unknown";
        var hypervisor = LibvirtNative.virConnectGetVersion(connection, out var hv) == 0 ? hv : 0;
        var library = LibvirtNative.virConnectGetLibVersion(connection, out var lib) == 0 ? lib : 0;
        var domains = ImmutableArray.CreateBuilder<string>();
        foreach (var virtType in string.Equals(type, "QEMU", StringComparison.OrdinalIgnoreCase) ? QemuDomainTypes : DefaultDomainType)
            if (LibvirtNative.TakeString(LibvirtNative.virConnectGetDomainCapabilities(connection, null, null, null, virtType, 0)) is { } xml)
                domains.Add(xml);
        int? maxVcpus = null;
        if (domains.Count == 0 && LibvirtNative.virConnectGetMaxVcpus(connection, null) is > 0 and var max) maxVcpus = max;
        return Result<HostFacts>.Ok(new HostFacts
        {
            Hostname = LibvirtNative.TakeString(LibvirtNative.virConnectGetHostname(connection)) ?? HostOf(uri),
            LogicalCpus = (int)node.Cpus,
            NodeMemoryKiB = (long)node.MemoryKiB,
            TotalMemoryKiB = TotalMemoryKiB(connection),
            HypervisorType = type,
            HypervisorVersion = hypervisor,
            LibvirtVersion = library,
            DomainCapabilities = domains.ToImmutable(),
            MaxVcpus = maxVcpus,
        });
    }

    // virNodeGetMemoryStats over all cells: asked once for the count, then for the values; "total" is MemTotal.
    private static long? TotalMemoryKiB(IntPtr connection)
    {
        var count = 0;
        if (LibvirtNative.virNodeGetMemoryStats(connection, LibvirtNative.NodeMemoryStatsAllCells, null, ref count, 0) < 0 || count is <= 0 or > 64) return null;
        var stats = stackalloc LibvirtNative.NodeMemoryStats[count];
        if (LibvirtNative.virNodeGetMemoryStats(connection, LibvirtNative.NodeMemoryStatsAllCells, stats, ref count, 0) < 0) return null;
        for (var i = 0; i < count; i++)
        {
            var field = Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(stats[i].Field));
            if (field == "total") return (long)stats[i].Value;
        }
        return null;
    }

    private static string HostOf(string uri) => System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Host.Length > 0 ? parsed.Host : "localhost";
}
