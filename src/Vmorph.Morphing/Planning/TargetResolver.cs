using Vmorph.Configuration;
using Vmorph.TargetProfiles;
using Vmorph.Units;

namespace Vmorph.Planning;

/// <summary>
/// Resolves a target profile for one VM into the configuration the VM should end in: every size evaluated against the
/// VM's profile (and its current values for <c>current</c>), rounded, held within the expression's bounds, the
/// profile's maximums and the host's capacity; guest settings written as <see cref="GuestKeys"/>. What the target leaves
/// unset stays as it is. Collects every error: no data for a relative size, a minimum the host cannot give, a disk
/// that would shrink, NIC bandwidth this hypervisor cannot limit.
/// </summary>
public static class TargetResolver
{
    /// <summary>Resolves <paramref name="target"/> for a VM whose configuration is <paramref name="current"/>.</summary>
    public static Result<VmConfiguration> Resolve(VmConfiguration current, TargetProfile target, ISizeContext context, HostCapabilities host)
    {
        var errors = new List<string>();
        void Error(string field, string message) => errors.Add($"target profile '{target.Name}': {field}: {message}");
        var desired = current;
        var r = target.Resources;

        // vCPUs: the maximum first, because it bounds the current count.
        int? maxVcpus = null;
        if (r.MaxVcpus is { } maxVcpusExpression)
            maxVcpus = (int?)Evaluate(maxVcpusExpression, context, current.MaxVcpus, host.Cores, $"the host has {host.Cores} cores", "spec.resources.max-vcpus", Error);
        if (r.Vcpus is { } vcpusExpression)
        {
            if (current.Vcpus is null || current.MaxVcpus is null)
                Error("spec.resources.vcpus", $"the current vCPU count of {context.Subject} is not known; collect its configuration first");
            else
            {
                var (cap, why) = maxVcpus is { } m && m < host.Cores
                    ? (m, $"spec.resources.max-vcpus is {m}")
                    : (host.Cores, $"the host has {host.Cores} cores");
                if (Evaluate(vcpusExpression, context, current.Vcpus, cap, why, "spec.resources.vcpus", Error) is { } vcpus)
                    desired = desired with { Vcpus = (int)vcpus };
            }
        }
        if (maxVcpus is { } newMax)
        {
            if (current.MaxVcpus is null) Error("spec.resources.max-vcpus", $"the current maximum vCPUs of {context.Subject} are not known; collect its configuration first");
            else desired = desired with { MaxVcpus = newMax, Vcpus = desired.Vcpus is { } v && v > newMax ? newMax : desired.Vcpus };
        }
        else if (desired.Vcpus is { } v && desired.MaxVcpus is { } max && v > max)
            desired = desired with { MaxVcpus = v };

        // Memory, the same way.
        var hostMemory = host.Memory.Bytes;
        double? maxMemory = null;
        if (r.MaxMemory is { } maxMemoryExpression)
            maxMemory = Evaluate(maxMemoryExpression, context, current.MaxMemory?.Bytes, hostMemory, $"the host has {host.Memory}", "spec.resources.max-memory", Error);
        if (r.Memory is { } memoryExpression)
        {
            if (current.Memory is null || current.MaxMemory is null)
                Error("spec.resources.memory", $"the current memory of {context.Subject} is not known; collect its configuration first");
            else
            {
                var (cap, why) = maxMemory is { } m && m < hostMemory
                    ? (m, $"spec.resources.max-memory is {new MemorySize(m)}")
                    : (hostMemory, $"the host has {host.Memory}");
                if (Evaluate(memoryExpression, context, current.Memory.Value.Bytes, cap, why, "spec.resources.memory", Error) is { } memory)
                    desired = desired with { Memory = KeepIfWithinRounding(memory, current.Memory.Value) };
            }
        }
        if (maxMemory is { } newMaxMemory)
        {
            if (current.MaxMemory is null) Error("spec.resources.max-memory", $"the current maximum memory of {context.Subject} is not known; collect its configuration first");
            else
            {
                var max = KeepIfWithinRounding(newMaxMemory, current.MaxMemory.Value);
                desired = desired with { MaxMemory = max, Memory = desired.Memory is { } m && m.Bytes > max.Bytes ? max : desired.Memory };
            }
        }
        else if (desired.Memory is { } mem && desired.MaxMemory is { } maxMem && mem.Bytes > maxMem.Bytes)
            desired = desired with { MaxMemory = mem };

        // CPU quota per vCPU, as a share of the period.
        if (r.CpuQuota is { } quota)
        {
            if (quota.Value is null) desired = desired with { CpuQuotaMicroseconds = null };
            else if (Evaluate(quota.Value, context, Share(current), 1, "a share is at most 100%", "spec.resources.cpu-quota", Error) is { } share)
            {
                var period = current.CpuPeriodMicroseconds ?? host.DefaultCpuPeriodMicroseconds;
                desired = desired with { CpuPeriodMicroseconds = period, CpuQuotaMicroseconds = (long)Math.Round(share * period) };
            }
        }

        if (r.Disk is { } disk) desired = Disk(desired, current, disk, context, Error);

        foreach (var (field, bandwidth) in new[] { ("spec.network.bandwidth.inbound", target.Network.InboundBandwidth), ("spec.network.bandwidth.outbound", target.Network.OutboundBandwidth) })
        {
            if (bandwidth is null) continue;
            Error(field, host.NicBandwidth == ChangeSupport.Unsupported
                ? $"NIC bandwidth limits are refused on {host.Name}: vmorph cannot tell whether domiftune works on a host (on the lab it fails: \"not implemented\" on user NICs, and on tap NICs a failed call leaves a partial tc qdisc behind), and a restart would apply the same tc rules; remove spec.network.bandwidth"
                : "NIC bandwidth limits are not part of vmorph's VM configuration model yet, so they cannot be planned or rolled back; remove spec.network.bandwidth");
        }

        desired = desired with { Guest = Guest(current, target) };
        return errors.Count == 0 ? Result<VmConfiguration>.Ok(desired) : Result<VmConfiguration>.Fail(errors);
    }

    private static double? Share(VmConfiguration c) =>
        c.CpuQuotaMicroseconds is { } q && c.CpuPeriodMicroseconds is { } p && p > 0 ? (double)q / p : null;

    private static MemorySize KeepIfWithinRounding(double value, MemorySize current) =>
        value >= current.Bytes && value - current.Bytes < MemorySize.MiB ? current : new MemorySize(value);

    private static double? Evaluate(SizeExpression expression, ISizeContext context, double? current, double cap, string capReason, string field, Action<string, string> error)
    {
        var result = expression.Evaluate(context, current);
        if (!result.IsSuccess)
        {
            foreach (var e in result.Errors) error(field, e);
            return null;
        }
        if (expression.Minimum is { } min && min > cap)
        {
            error(field, $"'{expression.Text}' needs at least {SizeExpression.Format(min, expression.Kind)}, but {capReason}");
            return null;
        }
        return Math.Min(result.Value, expression.Kind == SizeKind.Count ? Math.Floor(cap) : cap);
    }

    private static VmConfiguration Disk(VmConfiguration desired, VmConfiguration current, TargetDisk disk, ISizeContext context, Action<string, string> error)
    {
        var device = disk.Device ?? current.Disks.Keys.FirstOrDefault();
        if (device is null)
        {
            error("spec.resources.disk", $"{context.Subject} has no disk");
            return desired;
        }
        if (!current.Disks.TryGetValue(device, out var existing))
        {
            error("spec.resources.disk.device", $"{context.Subject} has no disk '{device}'; it has {(current.Disks.IsEmpty ? "none" : string.Join(", ", current.Disks.Keys))}");
            return desired;
        }
        var updated = existing;
        if (disk.Size is { } sizeExpression)
        {
            if (existing.Capacity is not { } capacity)
                error("spec.resources.disk.size", $"the size of disk {device} of {context.Subject} is not known; collect its configuration first");
            else
            {
                var size = sizeExpression.Evaluate(context, capacity.Bytes);
                if (!size.IsSuccess) foreach (var e in size.Errors) error("spec.resources.disk.size", e);
                else if (size.Value < capacity.Bytes)
                    error("spec.resources.disk.size", $"'{sizeExpression.Text}' is {new MemorySize(size.Value)}, below the current {capacity} of disk {device}: disks are never shrunk (the data beyond would be lost); use 'current, min SIZE' to grow only");
                else updated = updated with { Capacity = KeepIfWithinRounding(size.Value, capacity) };
            }
        }
        updated = updated with
        {
            ReadBytesPerSecond = Limit(disk.ReadBytesPerSecond, existing.ReadBytesPerSecond?.BytesPerSecond, context, "spec.resources.disk.read-bytes-per-second", error, existing.ReadBytesPerSecond, v => new ByteRate(v)),
            WriteBytesPerSecond = Limit(disk.WriteBytesPerSecond, existing.WriteBytesPerSecond?.BytesPerSecond, context, "spec.resources.disk.write-bytes-per-second", error, existing.WriteBytesPerSecond, v => new ByteRate(v)),
            TotalIopsPerSecond = Limit(disk.TotalIops, existing.TotalIopsPerSecond, context, "spec.resources.disk.total-iops", error, existing.TotalIopsPerSecond, v => (long)v),
        };
        return desired with { Disks = desired.Disks.SetItem(device, updated) };
    }

    private static T? Limit<T>(LimitTarget? limit, double? current, ISizeContext context, string field, Action<string, string> error, T? existing, Func<double, T> make)
        where T : struct
    {
        if (limit is null) return existing;
        if (limit.Value is null) return null;
        var value = limit.Value.Evaluate(context, current);
        if (value.IsSuccess) return make(value.Value);
        foreach (var e in value.Errors) error(field, e);
        return existing;
    }

    private static System.Collections.Immutable.ImmutableSortedDictionary<string, string> Guest(VmConfiguration current, TargetProfile target)
    {
        var guest = current.Guest.ToBuilder();
        var software = target.Software;
        foreach (var package in software.PackagesPresent)
            if (!guest.ContainsKey(GuestKeys.Package(package))) guest[GuestKeys.Package(package)] = GuestKeys.Installed;
        foreach (var package in software.PackagesAbsent) guest.Remove(GuestKeys.Package(package));
        foreach (var service in software.ServicesEnabled) guest[GuestKeys.Service(service)] = GuestKeys.Enabled;
        // A service the guest does not have is already not running: only existing units are disabled.
        foreach (var service in software.ServicesDisabled)
            if (guest.ContainsKey(GuestKeys.Service(service))) guest[GuestKeys.Service(service)] = GuestKeys.Disabled;
        foreach (var (key, value) in target.Security.Sysctl) guest[GuestKeys.Sysctl(key)] = value;
        if (target.Security.PermitRootLogin is { } root) guest[GuestKeys.Ssh("permit-root-login")] = root;
        if (target.Security.PasswordAuthentication is { } password) guest[GuestKeys.Ssh("password-authentication")] = password;
        if (target.Security.FirewallDefault is { } firewall) guest[GuestKeys.FirewallDefault] = Action(firewall);
        foreach (var rule in target.Network.Ports) guest[GuestKeys.Port(rule.Key)] = Action(rule.Action);
        foreach (var rule in target.Network.Peers) guest[GuestKeys.Peer(rule.Network)] = Action(rule.Action);
        return guest.ToImmutable();
    }

    private static string Action(RuleAction action) => action == RuleAction.Allow ? GuestKeys.Allow : GuestKeys.Deny;
}
