using YamlDotNet.Serialization;

namespace Vmorph.TargetProfiles;

/// <summary>
/// A target profile file as written in YAML, before validation: a Kubernetes-style manifest (<c>apiVersion</c>,
/// <c>kind</c>, <c>metadata</c>, <c>spec</c>) with hyphenated keys. Every leaf is read as text so that one wrong value
/// does not hide the others: <see cref="TargetProfileValidator"/> checks them all and reports every error together.
/// </summary>
public sealed class TargetProfileSpec
{
    /// <summary>Must be <c>vmorph/v1</c>.</summary>
    [YamlMember(Alias = "apiVersion", ApplyNamingConventions = false)]
    public string? ApiVersion { get; set; }

    /// <summary>Must be <c>TargetProfile</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>The profile's name and description.</summary>
    public TargetProfileMetadataSpec? Metadata { get; set; }

    /// <summary>What a VM morphed to this profile looks like.</summary>
    public TargetProfileBodySpec? Spec { get; set; }
}

/// <summary><c>metadata</c>: the profile's identity.</summary>
public sealed class TargetProfileMetadataSpec
{
    /// <summary>The profile's name (the seed's <c>TargetProfileID</c>): lower-case letters, digits and dashes.</summary>
    public string? Name { get; set; }

    /// <summary>What the profile is for, for people.</summary>
    public string? Description { get; set; }
}

/// <summary><c>spec</c>: the desired configuration and the traits the profile expects.</summary>
public sealed class TargetProfileBodySpec
{
    /// <summary>vCPUs, memory, CPU quota, disk.</summary>
    public ResourcesSpec? Resources { get; set; }

    /// <summary>Ports and peers allowed or denied, and NIC bandwidth.</summary>
    public NetworkSpec? Network { get; set; }

    /// <summary>Packages and services.</summary>
    public SoftwareSpec? Software { get; set; }

    /// <summary>Kernel settings, SSH settings, firewall default.</summary>
    public SecuritySpec? Security { get; set; }

    /// <summary>The trait vector a VM of this profile is expected to have: trait name to score (0 to 1).</summary>
    public Dictionary<string, string>? ExpectedTraits { get; set; }
}

/// <summary><c>spec.resources</c>: each a size expression (absolute or relative to the profile).</summary>
public sealed class ResourcesSpec
{
    /// <summary>vCPUs online (<c>2</c>, <c>p95(cpu) * 1.3 + 1, max 4</c>).</summary>
    public string? Vcpus { get; set; }

    /// <summary>vCPUs the VM may grow to without a restart.</summary>
    public string? MaxVcpus { get; set; }

    /// <summary>Memory (<c>4GiB</c>, <c>p95(memory) * 1.2, min 512MiB, max 8GiB</c>).</summary>
    public string? Memory { get; set; }

    /// <summary>Memory the VM may grow to without a restart.</summary>
    public string? MaxMemory { get; set; }

    /// <summary>CPU quota per vCPU as a share (<c>50%</c>) or <c>unlimited</c>.</summary>
    public string? CpuQuota { get; set; }

    /// <summary>The disk's size and I/O limits.</summary>
    public DiskSpec? Disk { get; set; }
}

/// <summary><c>spec.resources.disk</c>.</summary>
public sealed class DiskSpec
{
    /// <summary>The disk's target device (<c>vda</c>); default: the VM's first disk by device name.</summary>
    public string? Device { get; set; }

    /// <summary>The disk's size; disks are never shrunk (<c>current, min 20GiB</c> grows to at least 20 GiB).</summary>
    public string? Size { get; set; }

    /// <summary>Read throughput limit (<c>100MiB/s</c>) or <c>unlimited</c>.</summary>
    public string? ReadBytesPerSecond { get; set; }

    /// <summary>Write throughput limit or <c>unlimited</c>.</summary>
    public string? WriteBytesPerSecond { get; set; }

    /// <summary>Operations per second limit or <c>unlimited</c>.</summary>
    public string? TotalIops { get; set; }
}

/// <summary><c>spec.network</c>.</summary>
public sealed class NetworkSpec
{
    /// <summary>Ports to allow in the guest firewall: <c>80</c>, <c>8000-8100</c>, <c>53/udp</c>.</summary>
    public List<string>? AllowPorts { get; set; }

    /// <summary>Ports to deny.</summary>
    public List<string>? DenyPorts { get; set; }

    /// <summary>Peers (addresses or CIDR networks) to allow.</summary>
    public List<string>? AllowPeers { get; set; }

    /// <summary>Peers to deny.</summary>
    public List<string>? DenyPeers { get; set; }

    /// <summary>NIC bandwidth limits; refused on this hypervisor (see docs/MORPHING.md).</summary>
    public BandwidthSpec? Bandwidth { get; set; }
}

/// <summary><c>spec.network.bandwidth</c>.</summary>
public sealed class BandwidthSpec
{
    /// <summary>Average inbound rate (<c>10MiB/s</c>).</summary>
    public string? Inbound { get; set; }

    /// <summary>Average outbound rate.</summary>
    public string? Outbound { get; set; }
}

/// <summary><c>spec.software</c>.</summary>
public sealed class SoftwareSpec
{
    /// <summary>Packages present or absent.</summary>
    public PackagesSpec? Packages { get; set; }

    /// <summary>Services enabled or disabled.</summary>
    public ServicesSpec? Services { get; set; }
}

/// <summary><c>spec.software.packages</c>: Debian package names.</summary>
public sealed class PackagesSpec
{
    /// <summary>Packages that must be installed.</summary>
    public List<string>? Present { get; set; }

    /// <summary>Packages that must not be installed.</summary>
    public List<string>? Absent { get; set; }
}

/// <summary><c>spec.software.services</c>: systemd unit names.</summary>
public sealed class ServicesSpec
{
    /// <summary>Services that must be enabled and running.</summary>
    public List<string>? Enabled { get; set; }

    /// <summary>Services that must be disabled and stopped.</summary>
    public List<string>? Disabled { get; set; }
}

/// <summary><c>spec.security</c>.</summary>
public sealed class SecuritySpec
{
    /// <summary>Kernel settings: <c>net.core.somaxconn: 4096</c>.</summary>
    public Dictionary<string, string>? Sysctl { get; set; }

    /// <summary>SSH daemon settings.</summary>
    public SshSpec? Ssh { get; set; }

    /// <summary>The guest firewall's default for incoming traffic: <c>allow</c> or <c>deny</c>.</summary>
    public string? FirewallDefault { get; set; }
}

/// <summary><c>spec.security.ssh</c>.</summary>
public sealed class SshSpec
{
    /// <summary><c>yes</c>, <c>no</c> or <c>prohibit-password</c>.</summary>
    public string? PermitRootLogin { get; set; }

    /// <summary><c>yes</c> or <c>no</c>.</summary>
    public string? PasswordAuthentication { get; set; }
}
