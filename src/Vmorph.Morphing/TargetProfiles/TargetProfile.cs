using System.Collections.Immutable;

namespace Vmorph.TargetProfiles;

/// <summary>
/// A validated target profile (the seed's <c>TargetProfileID</c> names one): the configuration a VM morphed to it should
/// have, and the trait vector it is expected to show. Unset parts are left as the VM has them. Built from a
/// <see cref="TargetProfileSpec"/> by <see cref="TargetProfileValidator"/>; immutable.
/// </summary>
public sealed record TargetProfile
{
    /// <summary>The profile's name (<c>web-server</c>).</summary>
    public required string Name { get; init; }

    /// <summary>What the profile is for.</summary>
    public string Description { get; init; } = "";

    /// <summary>Where it was defined (<c>built-in web-server.yaml</c> or a file path).</summary>
    public string Source { get; init; } = "";

    /// <summary>vCPUs, memory, CPU quota, disk.</summary>
    public TargetResources Resources { get; init; } = new();

    /// <summary>Firewall rules and NIC bandwidth.</summary>
    public TargetNetwork Network { get; init; } = new();

    /// <summary>Packages and services.</summary>
    public TargetSoftware Software { get; init; } = new();

    /// <summary>Kernel, SSH and firewall-default settings.</summary>
    public TargetSecurity Security { get; init; } = new();

    /// <summary>The expected trait vector: trait name to score, 0 to 1.</summary>
    public ImmutableSortedDictionary<string, double> ExpectedTraits { get; init; } = ImmutableSortedDictionary<string, double>.Empty;
}

/// <summary>The resources a target profile sets; null leaves the VM's value as it is.</summary>
public sealed record TargetResources
{
    /// <summary>vCPUs online (a <see cref="SizeKind.Count"/>).</summary>
    public SizeExpression? Vcpus { get; init; }

    /// <summary>Maximum vCPUs (a <see cref="SizeKind.Count"/>); when unset it grows only as far as <see cref="Vcpus"/> needs.</summary>
    public SizeExpression? MaxVcpus { get; init; }

    /// <summary>Memory (<see cref="SizeKind.Bytes"/>).</summary>
    public SizeExpression? Memory { get; init; }

    /// <summary>Maximum memory (<see cref="SizeKind.Bytes"/>); when unset it grows only as far as <see cref="Memory"/> needs.</summary>
    public SizeExpression? MaxMemory { get; init; }

    /// <summary>The CPU quota per vCPU: a share of each period (<see cref="SizeKind.Share"/>) or unlimited.</summary>
    public LimitTarget? CpuQuota { get; init; }

    /// <summary>The disk's size and I/O limits.</summary>
    public TargetDisk? Disk { get; init; }
}

/// <summary>A limit that is either a value or explicitly none (<c>unlimited</c>).</summary>
/// <param name="Value">The limit, or null for unlimited.</param>
public sealed record LimitTarget(SizeExpression? Value)
{
    /// <summary>No limit.</summary>
    public static LimitTarget Unlimited { get; } = new((SizeExpression?)null);
}

/// <summary>The disk a target profile sizes and limits.</summary>
public sealed record TargetDisk
{
    /// <summary>The device (<c>vda</c>), or null for the VM's first disk by device name.</summary>
    public string? Device { get; init; }

    /// <summary>The size (<see cref="SizeKind.Bytes"/>); never below the current size.</summary>
    public SizeExpression? Size { get; init; }

    /// <summary>Read limit (<see cref="SizeKind.Rate"/>).</summary>
    public LimitTarget? ReadBytesPerSecond { get; init; }

    /// <summary>Write limit (<see cref="SizeKind.Rate"/>).</summary>
    public LimitTarget? WriteBytesPerSecond { get; init; }

    /// <summary>IOPS limit (<see cref="SizeKind.Count"/>).</summary>
    public LimitTarget? TotalIops { get; init; }
}

/// <summary>Whether a firewall rule lets traffic in or drops it.</summary>
public enum RuleAction
{
    /// <summary>Let it in.</summary>
    Allow,
    /// <summary>Drop it.</summary>
    Deny,
}

/// <summary>A firewall rule on a port range.</summary>
/// <param name="From">First port.</param>
/// <param name="To">Last port (equal to <paramref name="From"/> for one port).</param>
/// <param name="Protocol"><c>tcp</c> or <c>udp</c>.</param>
/// <param name="Action">Allow or deny.</param>
public sealed record PortRule(int From, int To, string Protocol, RuleAction Action)
{
    /// <summary>The rule's key: <c>80/tcp</c>, <c>8000-8100/udp</c>.</summary>
    public string Key => (From == To ? From.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{From}-{To}") + "/" + Protocol;
}

/// <summary>A firewall rule on a peer network.</summary>
/// <param name="Network">The network in CIDR form (<c>10.0.0.0/8</c>; one address is <c>/32</c> or <c>/128</c>).</param>
/// <param name="Action">Allow or deny.</param>
public sealed record PeerRule(string Network, RuleAction Action);

/// <summary>The guest firewall rules and NIC bandwidth a target profile sets.</summary>
public sealed record TargetNetwork
{
    /// <summary>Port rules.</summary>
    public ImmutableArray<PortRule> Ports { get; init; } = [];

    /// <summary>Peer rules.</summary>
    public ImmutableArray<PeerRule> Peers { get; init; } = [];

    /// <summary>Inbound NIC bandwidth (<see cref="SizeKind.Rate"/>); refused on this hypervisor.</summary>
    public SizeExpression? InboundBandwidth { get; init; }

    /// <summary>Outbound NIC bandwidth; refused on this hypervisor.</summary>
    public SizeExpression? OutboundBandwidth { get; init; }
}

/// <summary>The packages and services a target profile wants.</summary>
public sealed record TargetSoftware
{
    /// <summary>Debian packages that must be installed.</summary>
    public ImmutableArray<string> PackagesPresent { get; init; } = [];

    /// <summary>Debian packages that must not be installed.</summary>
    public ImmutableArray<string> PackagesAbsent { get; init; } = [];

    /// <summary>systemd units that must be enabled.</summary>
    public ImmutableArray<string> ServicesEnabled { get; init; } = [];

    /// <summary>systemd units that must be disabled.</summary>
    public ImmutableArray<string> ServicesDisabled { get; init; } = [];
}

/// <summary>The kernel, SSH and firewall settings a target profile wants.</summary>
public sealed record TargetSecurity
{
    /// <summary>Kernel settings by dotted key.</summary>
    public ImmutableSortedDictionary<string, string> Sysctl { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>sshd's PermitRootLogin: <c>yes</c>, <c>no</c>, <c>prohibit-password</c>; null leaves it.</summary>
    public string? PermitRootLogin { get; init; }

    /// <summary>sshd's PasswordAuthentication: <c>yes</c>, <c>no</c>; null leaves it.</summary>
    public string? PasswordAuthentication { get; init; }

    /// <summary>The firewall default for incoming traffic; null leaves it.</summary>
    public RuleAction? FirewallDefault { get; init; }
}
