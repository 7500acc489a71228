using Vmorph.Collection;
using Vmorph.Identity;
using Vmorph.Libvirt.Native;

namespace Vmorph.Libvirt;

/// <summary>Maps one domain's all-domain statistics (<c>cpu.time</c>, <c>balloon.*</c>, <c>vcpu.*</c> with each vCPU's <c>delay</c>, <c>block.N.*</c>, <c>net.N.*</c>) to <see cref="DomainCounters"/> (pure).</summary>
internal static class StatsMapper
{
    public static DomainCounters ToCounters(VmId vm, int? runtimeId, DateTimeOffset at, double monotonicSeconds, IReadOnlyDictionary<string, object> p)
    {
        var disks = new List<DeviceCounters>();
        for (var i = 0; i < (p.Long("block.count") ?? 0); i++)
        {
            var name = p.String($"block.{i}.name") ?? $"block{i}";
            disks.Add(new DeviceCounters(name, p.Long($"block.{i}.rd.bytes"), p.Long($"block.{i}.wr.bytes")));
        }
        var nics = new List<DeviceCounters>();
        for (var i = 0; i < (p.Long("net.count") ?? 0); i++)
        {
            var name = p.String($"net.{i}.name") ?? $"net{i}";
            nics.Add(new DeviceCounters(name, p.Long($"net.{i}.rx.bytes"), p.Long($"net.{i}.tx.bytes")));
        }
        var delays = new List<VcpuDelay>();
        for (var i = 0; i < (p.Long("vcpu.maximum") ?? 0); i++)
            if (p.Long($"vcpu.{i}.delay") is { } delay) delays.Add(new VcpuDelay(i, delay));
        return new DomainCounters
        {
            Vm = vm,
            At = at,
            MonotonicSeconds = monotonicSeconds,
            RuntimeId = runtimeId,
            State = p.Long("state.state") is { } state ? LibvirtSession.MapState((int)state) : DomainState.Unknown,
            CpuTimeNanoseconds = p.Long("cpu.time"),
            Vcpus = p.Long("vcpu.current") is { } v ? (int)v : null,
            VcpuDelays = delays,
            BalloonCurrentKiB = p.Long("balloon.current"),
            BalloonAvailableKiB = p.Long("balloon.available"),
            BalloonUsableKiB = p.Long("balloon.usable"),
            BalloonUnusedKiB = p.Long("balloon.unused"),
            Disks = disks,
            Nics = nics,
        };
    }
}
