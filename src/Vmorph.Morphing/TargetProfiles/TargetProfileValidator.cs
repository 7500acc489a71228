using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Vmorph.TargetProfiles;

/// <summary>
/// Turns a <see cref="TargetProfileSpec"/> into a <see cref="TargetProfile"/>, checking every field and collecting every
/// error, each naming the file, the profile and the field:
/// <c>web-server.yaml: target profile 'web-server': spec.resources.memory: '12 XB' is not a size: ...</c>.
/// </summary>
public static partial class TargetProfileValidator
{
    /// <summary>The only <c>apiVersion</c> understood.</summary>
    public const string ApiVersion = "vmorph/v1";

    /// <summary>The only <c>kind</c> understood.</summary>
    public const string Kind = "TargetProfile";

    /// <summary>
    /// Validates one profile read from <paramref name="source"/>. When <paramref name="knownTraits"/> is given, expected
    /// traits must be among them (the archetype catalog's names).
    /// </summary>
    public static Result<TargetProfile> Validate(string source, TargetProfileSpec spec, IReadOnlySet<string>? knownTraits = null)
    {
        var name = spec.Metadata?.Name;
        var errors = new List<string>();
        var where = $"{source}: target profile '{(string.IsNullOrWhiteSpace(name) ? "(no name)" : name)}'";
        void Error(string field, string message) => errors.Add($"{where}: {field}: {message}");

        if (spec.ApiVersion != ApiVersion)
            Error("apiVersion", spec.ApiVersion is null ? $"is missing; use {ApiVersion}" : $"'{spec.ApiVersion}' is not supported; use {ApiVersion}");
        if (spec.Kind != Kind)
            Error("kind", spec.Kind is null ? $"is missing; use {Kind}" : $"'{spec.Kind}' is not supported; use {Kind}");
        if (string.IsNullOrWhiteSpace(name)) Error("metadata.name", "is missing");
        else if (!NamePattern().IsMatch(name)) Error("metadata.name", $"'{name}' must be lower-case letters, digits and dashes, starting with a letter or digit");
        if (spec.Spec is null) Error("spec", "is missing");

        var body = spec.Spec ?? new TargetProfileBodySpec();
        var resources = Resources(body.Resources, Error);
        var network = Network(body.Network, Error);
        var software = Software(body.Software, Error);
        var security = Security(body.Security, Error);
        var traits = Traits(body.ExpectedTraits, knownTraits, Error);

        if (errors.Count > 0) return Result<TargetProfile>.Fail(errors);
        return Result<TargetProfile>.Ok(new TargetProfile
        {
            Name = name!,
            Description = spec.Metadata?.Description?.Trim() ?? "",
            Source = source,
            Resources = resources,
            Network = network,
            Software = software,
            Security = security,
            ExpectedTraits = traits,
        });
    }

    private static TargetResources Resources(ResourcesSpec? spec, Action<string, string> error)
    {
        if (spec is null) return new TargetResources();
        const string at = "spec.resources.";
        var vcpus = Size(spec.Vcpus, SizeKind.Count, at + "vcpus", error);
        var maxVcpus = Size(spec.MaxVcpus, SizeKind.Count, at + "max-vcpus", error);
        var memory = Size(spec.Memory, SizeKind.Bytes, at + "memory", error);
        var maxMemory = Size(spec.MaxMemory, SizeKind.Bytes, at + "max-memory", error);
        var quota = Limit(spec.CpuQuota, SizeKind.Share, at + "cpu-quota", error);
        CheckOrder(vcpus, maxVcpus, at + "vcpus", at + "max-vcpus", error);
        CheckOrder(memory, maxMemory, at + "memory", at + "max-memory", error);
        TargetDisk? disk = null;
        if (spec.Disk is { } d)
        {
            if (d.Device is not null && !DevicePattern().IsMatch(d.Device))
                error(at + "disk.device", $"'{d.Device}' is not a disk device name (vda, sdb, nvme0n1)");
            disk = new TargetDisk
            {
                Device = d.Device,
                Size = Size(d.Size, SizeKind.Bytes, at + "disk.size", error),
                ReadBytesPerSecond = Limit(d.ReadBytesPerSecond, SizeKind.Rate, at + "disk.read-bytes-per-second", error),
                WriteBytesPerSecond = Limit(d.WriteBytesPerSecond, SizeKind.Rate, at + "disk.write-bytes-per-second", error),
                TotalIops = Limit(d.TotalIops, SizeKind.Count, at + "disk.total-iops", error),
            };
        }
        return new TargetResources { Vcpus = vcpus, MaxVcpus = maxVcpus, Memory = memory, MaxMemory = maxMemory, CpuQuota = quota, Disk = disk };
    }

    private static void CheckOrder(SizeExpression? value, SizeExpression? maximum, string valueField, string maximumField, Action<string, string> error)
    {
        if (value is null || maximum is null || !maximum.IsAbsolute) return;
        var max = maximum.Evaluate(Absolute.Instance);
        if (!max.IsSuccess) return;
        var low = value.IsAbsolute ? value.Evaluate(Absolute.Instance) : null;
        var floor = low is { IsSuccess: true } ? low.Value : value.Minimum;
        if (floor is { } f && f > max.Value)
            error(valueField, $"{SizeExpression.Format(f, value.Kind)} is above {maximumField} ({SizeExpression.Format(max.Value, value.Kind)})");
    }

    private static TargetNetwork Network(NetworkSpec? spec, Action<string, string> error)
    {
        if (spec is null) return new TargetNetwork();
        const string at = "spec.network.";
        var ports = new List<PortRule>();
        foreach (var (list, action, field) in new[] { (spec.AllowPorts, RuleAction.Allow, "allow-ports"), (spec.DenyPorts, RuleAction.Deny, "deny-ports") })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                var text = list![i];
                if (ParsePort(text, action) is { } rule) ports.Add(rule);
                else error($"{at}{field}[{i}]", $"'{text}' is not a port: use PORT, FROM-TO, optionally /tcp or /udp, with ports 1 to 65535");
            }
        }
        foreach (var conflict in ports.GroupBy(p => p.Key).Where(g => g.Select(p => p.Action).Distinct().Count() > 1))
            error(at + "deny-ports", $"port {conflict.Key} is both allowed and denied");

        var peers = new List<PeerRule>();
        foreach (var (list, action, field) in new[] { (spec.AllowPeers, RuleAction.Allow, "allow-peers"), (spec.DenyPeers, RuleAction.Deny, "deny-peers") })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                var text = list![i]?.Trim() ?? "";
                if (ParsePeer(text) is { } network) peers.Add(new PeerRule(network, action));
                else error($"{at}{field}[{i}]", $"'{text}' is not an address or a network in CIDR form with no host bits set (10.0.0.0/8, 2001:db8::/32)");
            }
        }
        foreach (var conflict in peers.GroupBy(p => p.Network).Where(g => g.Select(p => p.Action).Distinct().Count() > 1))
            error(at + "deny-peers", $"peer {conflict.Key} is both allowed and denied");

        return new TargetNetwork
        {
            Ports = [.. ports.DistinctBy(p => p.Key)],
            Peers = [.. peers.DistinctBy(p => p.Network)],
            InboundBandwidth = Size(spec.Bandwidth?.Inbound, SizeKind.Rate, at + "bandwidth.inbound", error),
            OutboundBandwidth = Size(spec.Bandwidth?.Outbound, SizeKind.Rate, at + "bandwidth.outbound", error),
        };
    }

    private static TargetSoftware Software(SoftwareSpec? spec, Action<string, string> error)
    {
        if (spec is null) return new TargetSoftware();
        const string at = "spec.software.";
        var present = Names(spec.Packages?.Present, GuestNames.IsPackage, GuestNames.PackageRule, at + "packages.present", error);
        var absent = Names(spec.Packages?.Absent, GuestNames.IsPackage, GuestNames.PackageRule, at + "packages.absent", error);
        foreach (var both in present.Intersect(absent, StringComparer.Ordinal))
            error(at + "packages", $"'{both}' is both present and absent");
        var enabled = Names(spec.Services?.Enabled, GuestNames.IsService, GuestNames.ServiceRule, at + "services.enabled", error);
        var disabled = Names(spec.Services?.Disabled, GuestNames.IsService, GuestNames.ServiceRule, at + "services.disabled", error);
        foreach (var both in enabled.Intersect(disabled, StringComparer.Ordinal))
            error(at + "services", $"'{both}' is both enabled and disabled");
        return new TargetSoftware { PackagesPresent = present, PackagesAbsent = absent, ServicesEnabled = enabled, ServicesDisabled = disabled };
    }

    private static ImmutableArray<string> Names(List<string>? names, Func<string?, bool> valid, string rule, string field, Action<string, string> error)
    {
        var result = new List<string>();
        for (var i = 0; i < (names?.Count ?? 0); i++)
        {
            var name = names![i];
            if (valid(name)) result.Add(name);
            else error($"{field}[{i}]", $"'{name}' is not {rule}");
        }
        return [.. result.Distinct(StringComparer.Ordinal)];
    }

    private static TargetSecurity Security(SecuritySpec? spec, Action<string, string> error)
    {
        if (spec is null) return new TargetSecurity();
        const string at = "spec.security.";
        var sysctl = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in spec.Sysctl ?? [])
        {
            if (!GuestNames.IsSysctlKey(key)) error($"{at}sysctl.{key}", "is not a sysctl key (dotted lower-case words: net.core.somaxconn)");
            else if (!GuestNames.IsSysctlValue(value)) error($"{at}sysctl.{key}", $"'{value}' is not a sysctl value (letters, digits, spaces and . : _ / , -)");
            else sysctl[key] = value.Trim();
        }
        string? permitRoot = spec.Ssh?.PermitRootLogin, password = spec.Ssh?.PasswordAuthentication;
        if (permitRoot is not null && permitRoot is not ("yes" or "no" or "prohibit-password"))
            error(at + "ssh.permit-root-login", $"'{permitRoot}' is not one of yes, no, prohibit-password");
        if (password is not null && password is not ("yes" or "no"))
            error(at + "ssh.password-authentication", $"'{password}' is not one of yes, no");
        RuleAction? firewall = spec.FirewallDefault switch
        {
            null => null,
            "allow" => RuleAction.Allow,
            "deny" => RuleAction.Deny,
            _ => null,
        };
        if (spec.FirewallDefault is not null && firewall is null)
            error(at + "firewall-default", $"'{spec.FirewallDefault}' is not one of allow, deny");
        return new TargetSecurity { Sysctl = sysctl.ToImmutable(), PermitRootLogin = permitRoot, PasswordAuthentication = password, FirewallDefault = firewall };
    }

    private static ImmutableSortedDictionary<string, double> Traits(Dictionary<string, string>? spec, IReadOnlySet<string>? known, Action<string, string> error)
    {
        var traits = ImmutableSortedDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        foreach (var (trait, text) in spec ?? [])
        {
            var field = "spec.expected-traits." + trait;
            if (!NamePattern().IsMatch(trait)) error(field, "a trait name is lower-case letters, digits and dashes");
            else if (known is not null && !known.Contains(trait))
                error(field, $"unknown trait; known traits: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
            else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || !(score >= 0 && score <= 1))
                error(field, $"'{text}' is not a score from 0 to 1");
            else traits[trait] = score;
        }
        return traits.ToImmutable();
    }

    private static SizeExpression? Size(string? text, SizeKind kind, string field, Action<string, string> error)
    {
        if (text is null) return null;
        var parsed = SizeExpression.Parse(text, kind);
        if (!parsed.IsSuccess)
        {
            foreach (var e in parsed.Errors) error(field, e);
            return null;
        }
        if (parsed.Value.IsAbsolute)
        {
            var value = parsed.Value.Evaluate(Absolute.Instance);
            if (!value.IsSuccess)
            {
                foreach (var e in value.Errors) error(field, e);
                return null;
            }
        }
        return parsed.Value;
    }

    private static LimitTarget? Limit(string? text, SizeKind kind, string field, Action<string, string> error)
    {
        if (text is null) return null;
        if (text.Trim() is "unlimited" or "none") return LimitTarget.Unlimited;
        return Size(text, kind, field, error) is { } size ? new LimitTarget(size) : null;
    }

    private static PortRule? ParsePort(string? text, RuleAction action)
    {
        var match = PortPattern().Match(text?.Trim() ?? "");
        if (!match.Success) return null;
        if (!int.TryParse(match.Groups["from"].Value, CultureInfo.InvariantCulture, out var from)) return null;
        var to = from;
        if (match.Groups["to"].Success && !int.TryParse(match.Groups["to"].Value, CultureInfo.InvariantCulture, out to)) return null;
        if (from is < 1 or > 65535 || to is < 1 or > 65535 || to < from) return null;
        var protocol = match.Groups["protocol"].Success ? match.Groups["protocol"].Value : "tcp";
        return new PortRule(from, to, protocol, action);
    }

    private static string? ParsePeer(string text)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            if (!IPNetwork.TryParse(text, out var network)) return null;
            return network.ToString();
        }
        if (!IPAddress.TryParse(text, out var address) || text.Contains('%', StringComparison.Ordinal)) return null;
        return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128).ToString();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z]{2,4}[a-z0-9]*$")]
    private static partial Regex DevicePattern();

    [GeneratedRegex("^(?<from>[0-9]{1,5})(-(?<to>[0-9]{1,5}))?(/(?<protocol>tcp|udp))?$")]
    private static partial Regex PortPattern();

    /// <summary>Evaluates absolute expressions, which never ask for data.</summary>
    private sealed class Absolute : ISizeContext
    {
        public static readonly Absolute Instance = new();

        public string Subject => "every VM";

        public double? Statistic(Observations.Metric metric, SizeStatistic statistic, double quantile) => null;
    }
}
