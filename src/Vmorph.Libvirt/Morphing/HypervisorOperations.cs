using System.Globalization;
using System.Runtime.InteropServices;
using Vmorph.Identity;
using Vmorph.Libvirt.Native;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Libvirt.Morphing;

/// <summary>
/// The hypervisor-side step operations, each one libvirt call on an open domain (run on the caller's thread, which
/// reads libvirt's error right after): vCPUs, maximum vCPUs, memory, maximum memory, CPU quota, disk I/O limits, disk
/// growth. Values are set, never added, so each call is idempotent.
/// </summary>
internal static class HypervisorOperations
{
    public static Result<Done> Apply(IntPtr dom, VmId vm, StepOperation operation, uint flags, bool running)
    {
        string? After(string path) => operation.Changes.FirstOrDefault(c => c.Path == path)?.After;
        long Number(string path, string? value) =>
            long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw new InvalidOperationException($"{path}: '{value}' is not a whole number; the plan was checked when loaded, so this is a bug");

        switch (operation.Kind)
        {
            case StepKind.SetVcpus:
            {
                var count = (uint)Number("vcpus.current", After("vcpus.current"));
                return LibvirtNative.virDomainSetVcpusFlags(dom, count, flags) == 0 ? Ok() : Failed($"setting {vm}'s vCPUs to {count}");
            }
            case StepKind.SetMaxVcpus:
            {
                var count = (uint)Number("vcpus.maximum", After("vcpus.maximum"));
                return LibvirtNative.virDomainSetVcpusFlags(dom, count, LibvirtNative.AffectConfig | LibvirtNative.VcpuMaximum) == 0 ? Ok() : Failed($"setting {vm}'s maximum vCPUs to {count}");
            }
            case StepKind.SetMemory:
            {
                var kib = (ulong)(Number("memory.current", After("memory.current")) / 1024);
                return LibvirtNative.virDomainSetMemoryFlags(dom, kib, flags) == 0 ? Ok() : Failed($"setting {vm}'s memory to {kib} KiB");
            }
            case StepKind.SetMaxMemory:
            {
                var kib = (ulong)(Number("memory.maximum", After("memory.maximum")) / 1024);
                return LibvirtNative.virDomainSetMemoryFlags(dom, kib, LibvirtNative.AffectConfig | LibvirtNative.MemMaximum) == 0 ? Ok() : Failed($"setting {vm}'s maximum memory to {kib} KiB");
            }
            case StepKind.SetCpuQuota:
            {
                // No quota is libvirt's -1; the period is set only when the plan names one.
                var parameters = new List<(string, object)> { ("vcpu_quota", After("cpu.quota_us") is { } q ? Number("cpu.quota_us", q) : -1L) };
                if (After("cpu.period_us") is { } period) parameters.Add(("vcpu_period", (ulong)Number("cpu.period_us", period)));
                return WithParameters(parameters, (p, n) => LibvirtNative.virDomainSetSchedulerParametersFlags(dom, p, n, flags), $"setting {vm}'s CPU quota");
            }
            case StepKind.SetDiskIoLimits:
            {
                var disk = DiskOf(operation);
                var parameters = new List<(string, object)>();
                foreach (var change in operation.Changes)
                {
                    var name = change.Path[(change.Path.LastIndexOf('.') + 1)..];
                    if (name is not ("read_bytes_sec" or "write_bytes_sec" or "total_iops_sec"))
                        return Result<Done>.Fail($"{change.Path}: not a disk limit vmorph sets");
                    // No limit is 0 for blkdeviotune; libvirt keeps the limits not named.
                    parameters.Add((name, change.After is { } v ? (ulong)Number(change.Path, v) : 0UL));
                }
                return WithParameters(parameters, (p, n) => LibvirtNative.virDomainSetBlockIoTune(dom, disk, p, n, flags), $"setting the I/O limits of {vm}'s disk {disk}");
            }
            case StepKind.GrowDisk:
            {
                var disk = DiskOf(operation);
                var bytes = (ulong)Number($"disk.{disk}.capacity", After($"disk.{disk}.capacity"));
                if (!running) return Result<Done>.Fail($"growing {vm}'s disk {disk} needs the VM running (QEMU's block_resize)");
                return LibvirtNative.virDomainBlockResize(dom, disk, bytes, LibvirtNative.BlockResizeBytes) == 0 ? Ok() : Failed($"growing {vm}'s disk {disk} to {bytes} bytes");
            }
            default:
                return Result<Done>.Fail($"{operation.Kind} is not a hypervisor operation");
        }
    }

    private static string DiskOf(StepOperation operation)
    {
        var path = operation.Changes[0].Path["disk.".Length..];
        return path[..path.LastIndexOf('.')];
    }

    private static Result<Done> WithParameters(List<(string, object)> parameters, Func<IntPtr, int, int> call, string what)
    {
        var block = TypedParameters.Write(parameters);
        try
        {
            return call(block, parameters.Count) == 0 ? Ok() : Failed(what);
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }

    private static Result<Done> Ok() => Result<Done>.Ok(default);

    private static Result<Done> Failed(string what) => LibvirtConnection.Failed<Done>(what);
}
