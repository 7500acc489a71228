using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vmorph.Units;

namespace Vmorph.Configuration;

/// <summary>
/// A VM's configuration as the hypervisor and the guest report it: what a morph changes and what
/// <see cref="ConfigurationHistory"/> versions. Every part is optional: a trace knows only vCPUs and memory, a libvirt
/// domain knows devices, a guest agent knows packages, services and kernel settings.
/// </summary>
public sealed record VmConfiguration
{
    /// <summary>vCPUs online now.</summary>
    public int? Vcpus { get; init; }

    /// <summary>vCPUs the VM may have without a restart.</summary>
    public int? MaxVcpus { get; init; }

    /// <summary>Memory the guest has now (the balloon's target).</summary>
    public MemorySize? Memory { get; init; }

    /// <summary>Memory the VM may grow to without a restart.</summary>
    public MemorySize? MaxMemory { get; init; }

    /// <summary>CPU bandwidth cap: microseconds of CPU per vCPU per period, or null for none.</summary>
    public long? CpuQuotaMicroseconds { get; init; }

    /// <summary>The CPU bandwidth period in microseconds.</summary>
    public long? CpuPeriodMicroseconds { get; init; }

    /// <summary>Disks by target device name (vda, vdb).</summary>
    public ImmutableSortedDictionary<string, DiskConfiguration> Disks { get; init; } = ImmutableSortedDictionary<string, DiskConfiguration>.Empty;

    /// <summary>Network interfaces by MAC address or name.</summary>
    public ImmutableSortedDictionary<string, NicConfiguration> Nics { get; init; } = ImmutableSortedDictionary<string, NicConfiguration>.Empty;

    /// <summary>Guest-side settings (packages, services, sysctl, firewall), keyed by a dotted path such as <c>package.nginx</c>.</summary>
    public ImmutableSortedDictionary<string, string> Guest { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>The configuration as sorted <c>path = value</c> pairs: the canonical form that is hashed and diffed.</summary>
    public ImmutableSortedDictionary<string, string> Flatten()
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        void Add(string key, object? value)
        {
            if (value is not null) builder[key] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
        }
        Add("vcpus.current", Vcpus);
        Add("vcpus.maximum", MaxVcpus);
        Add("memory.current", Memory?.Bytes);
        Add("memory.maximum", MaxMemory?.Bytes);
        Add("cpu.quota_us", CpuQuotaMicroseconds);
        Add("cpu.period_us", CpuPeriodMicroseconds);
        foreach (var (name, disk) in Disks)
        {
            var prefix = $"disk.{name}.";
            Add(prefix + "source", disk.Source);
            Add(prefix + "capacity", disk.Capacity?.Bytes);
            Add(prefix + "backing_image", disk.BackingImage);
            Add(prefix + "read_bytes_sec", disk.ReadBytesPerSecond?.BytesPerSecond);
            Add(prefix + "write_bytes_sec", disk.WriteBytesPerSecond?.BytesPerSecond);
            Add(prefix + "total_iops_sec", disk.TotalIopsPerSecond);
        }
        foreach (var (name, nic) in Nics)
        {
            var prefix = $"nic.{name}.";
            Add(prefix + "type", nic.Type);
            Add(prefix + "model", nic.Model);
            Add(prefix + "target", nic.Target);
        }
        foreach (var (key, value) in Guest) Add("guest." + key, value);
        return builder.ToImmutable();
    }

    /// <summary>The content address: SHA-256 of the canonical form. Equal configurations have equal hashes.</summary>
    public string ContentHash()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in Flatten()) text.Append(key).Append('=').Append(value).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The changes that lead from this configuration to <paramref name="next"/>, by canonical path.</summary>
    public IReadOnlyList<ConfigurationChange> DiffTo(VmConfiguration next)
    {
        var before = Flatten();
        var after = next.Flatten();
        var changes = new List<ConfigurationChange>();
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(key, out var old);
            after.TryGetValue(key, out var @new);
            if (old != @new) changes.Add(new ConfigurationChange(key, old, @new));
        }
        return changes;
    }
}

/// <summary>One disk of a VM.</summary>
public sealed record DiskConfiguration
{
    /// <summary>The file or device behind the disk.</summary>
    public string? Source { get; init; }

    /// <summary>The size the guest sees.</summary>
    public MemorySize? Capacity { get; init; }

    /// <summary>The image at the bottom of the backing chain, where there is one.</summary>
    public string? BackingImage { get; init; }

    /// <summary>Read throughput limit, or null for none.</summary>
    public ByteRate? ReadBytesPerSecond { get; init; }

    /// <summary>Write throughput limit, or null for none.</summary>
    public ByteRate? WriteBytesPerSecond { get; init; }

    /// <summary>Operations-per-second limit, or null for none.</summary>
    public long? TotalIopsPerSecond { get; init; }
}

/// <summary>One network interface of a VM.</summary>
public sealed record NicConfiguration
{
    /// <summary>libvirt's interface type (user, ethernet, network, bridge).</summary>
    public string? Type { get; init; }

    /// <summary>The device model (virtio).</summary>
    public string? Model { get; init; }

    /// <summary>The host-side device (tap name), where there is one.</summary>
    public string? Target { get; init; }
}

/// <summary>One difference between two configurations: a canonical path and its value before and after (null: absent).</summary>
public sealed record ConfigurationChange(string Path, string? Before, string? After)
{
    /// <summary>The kind of change, as <c>terraform plan</c> marks it: <c>+</c> added, <c>-</c> removed, <c>~</c> changed.</summary>
    public char Kind => Before is null ? '+' : After is null ? '-' : '~';

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Path}: {Before ?? "(none)"} -> {After ?? "(none)"}";
}
