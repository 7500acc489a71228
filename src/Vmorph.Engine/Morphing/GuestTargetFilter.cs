using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Vmorph.Planning;
using Vmorph.TargetProfiles;

namespace Vmorph.Morphing;

/// <summary>
/// A target profile fitted to one guest: the guest settings it asks for that the guest already has are left out of
/// the plan (with their values, they would only add no-op steps), the ones this guest cannot have are left out with a
/// note saying why (a guest without dpkg gets no packages, one without systemd no services), and the values the guest
/// has now for the rest go into the configuration the plan starts from, so every guest step knows its before-value
/// and its inverse restores it exactly.
/// </summary>
/// <param name="Target">The target with the left-out parts removed.</param>
/// <param name="Guest">The guest settings (keys without <c>guest.</c>) the plan starts from: only those the plan changes.</param>
/// <param name="Notes">What was left out because this guest cannot have it, one line each.</param>
public sealed record FittedTarget(TargetProfile Target, ImmutableSortedDictionary<string, string> Guest, ImmutableArray<string> Notes);

/// <summary>Fits a target profile to a guest (pure); see <see cref="FittedTarget"/>.</summary>
public static partial class GuestTargetFilter
{
    /// <summary>The guest keys a target profile sets (without <c>guest.</c>), to be read from the guest before planning.</summary>
    public static ImmutableArray<string> KeysOf(TargetProfile target)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in target.Software.PackagesPresent.Concat(target.Software.PackagesAbsent)) keys.Add(GuestKeys.Package(p));
        foreach (var s in target.Software.ServicesEnabled.Concat(target.Software.ServicesDisabled)) keys.Add(GuestKeys.Service(s));
        foreach (var k in target.Security.Sysctl.Keys) keys.Add(GuestKeys.Sysctl(k));
        if (target.Security.PermitRootLogin is not null) keys.Add(GuestKeys.Ssh("permit-root-login"));
        if (target.Security.PasswordAuthentication is not null) keys.Add(GuestKeys.Ssh("password-authentication"));
        if (target.Security.FirewallDefault is not null) keys.Add(GuestKeys.FirewallDefault);
        foreach (var r in target.Network.Ports) keys.Add(GuestKeys.Port(r.Key));
        foreach (var r in target.Network.Peers) keys.Add(GuestKeys.Peer(r.Network));
        return [.. keys];
    }

    /// <summary>Whether a target profile sets any guest setting.</summary>
    public static bool HasGuestSettings(TargetProfile target) => !KeysOf(target).IsEmpty;

    /// <summary>Fits <paramref name="target"/> to a guest whose settings are <paramref name="guest"/> (null: the guest could not be read, or vmorph has no way in).</summary>
    public static FittedTarget Fit(TargetProfile target, GuestSettings? guest, string? whyNoGuest = null)
    {
        var notes = ImmutableArray.CreateBuilder<string>();
        var current = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        string? Unsupported(GuestArea area) =>
            guest is null ? whyNoGuest ?? "vmorph cannot read this guest" : guest.Unsupported.GetValueOrDefault(area);
        string? Value(string key) => guest?.Values.GetValueOrDefault(key);

        // Packages.
        var software = target.Software;
        var present = ImmutableArray.CreateBuilder<string>();
        var absent = ImmutableArray.CreateBuilder<string>();
        if (!software.PackagesPresent.IsEmpty || !software.PackagesAbsent.IsEmpty)
        {
            if (Unsupported(GuestArea.Packages) is { } why)
                notes.Add($"packages ({List(software.PackagesPresent.Select(p => "+" + p).Concat(software.PackagesAbsent.Select(p => "-" + p)))}): {why}");
            else
            {
                foreach (var p in software.PackagesPresent)
                    if (Value(GuestKeys.Package(p)) is null) present.Add(p);
                foreach (var p in software.PackagesAbsent)
                    if (Value(GuestKeys.Package(p)) is { } version)
                    {
                        absent.Add(p);
                        current[GuestKeys.Package(p)] = version;
                    }
            }
        }

        // Services.
        var enabled = ImmutableArray.CreateBuilder<string>();
        var disabled = ImmutableArray.CreateBuilder<string>();
        if (!software.ServicesEnabled.IsEmpty || !software.ServicesDisabled.IsEmpty)
        {
            if (Unsupported(GuestArea.Services) is { } why)
                notes.Add($"services ({List(software.ServicesEnabled.Select(s => "enable " + s).Concat(software.ServicesDisabled.Select(s => "disable " + s)))}): {why}");
            else
            {
                foreach (var s in software.ServicesEnabled)
                {
                    var now = Value(GuestKeys.Service(s));
                    if (now == GuestKeys.Enabled) continue;
                    enabled.Add(s);
                    if (now is not null) current[GuestKeys.Service(s)] = now;
                }
                foreach (var s in software.ServicesDisabled)
                    if (Value(GuestKeys.Service(s)) == GuestKeys.Enabled)
                    {
                        disabled.Add(s);
                        current[GuestKeys.Service(s)] = GuestKeys.Enabled;
                    }
            }
        }

        // Kernel settings: one the kernel does not have is left out (writing it would fail).
        var sysctl = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (!target.Security.Sysctl.IsEmpty)
        {
            if (Unsupported(GuestArea.Sysctl) is { } why)
                notes.Add($"kernel settings ({List(target.Security.Sysctl.Keys)}): {why}");
            else
                foreach (var (key, value) in target.Security.Sysctl)
                {
                    var now = Value(GuestKeys.Sysctl(key));
                    if (now is null) notes.Add($"kernel setting {key}: this guest's kernel has no such setting (no /proc/sys/{key.Replace('.', '/')})");
                    else if (NormaliseSysctl(now) != NormaliseSysctl(value))
                    {
                        sysctl[key] = value;
                        current[GuestKeys.Sysctl(key)] = NormaliseSysctl(now);
                    }
                }
        }

        // SSH.
        string? permitRootLogin = null, passwordAuthentication = null;
        if (target.Security.PermitRootLogin is not null || target.Security.PasswordAuthentication is not null)
        {
            if (Unsupported(GuestArea.Ssh) is { } why)
                notes.Add($"ssh ({List(new[] { ("permit-root-login", target.Security.PermitRootLogin), ("password-authentication", target.Security.PasswordAuthentication) }.Where(x => x.Item2 is not null).Select(x => $"{x.Item1} {x.Item2}"))}): {why}");
            else
            {
                (permitRootLogin, var rootNow) = Ssh("permit-root-login", target.Security.PermitRootLogin);
                (passwordAuthentication, var passwordNow) = Ssh("password-authentication", target.Security.PasswordAuthentication);
                if (permitRootLogin is not null && rootNow is not null) current[GuestKeys.Ssh("permit-root-login")] = rootNow;
                if (passwordAuthentication is not null && passwordNow is not null) current[GuestKeys.Ssh("password-authentication")] = passwordNow;
            }
        }

        // Firewall.
        RuleAction? firewallDefault = null;
        var ports = ImmutableArray.CreateBuilder<PortRule>();
        var peers = ImmutableArray.CreateBuilder<PeerRule>();
        if (target.Security.FirewallDefault is not null || !target.Network.Ports.IsEmpty || !target.Network.Peers.IsEmpty)
        {
            if (Unsupported(GuestArea.Firewall) is { } why)
            {
                var parts = target.Network.Ports.Select(r => $"{Word(r.Action)} {r.Key}").Concat(target.Network.Peers.Select(r => $"{Word(r.Action)} {r.Network}")).ToList();
                if (target.Security.FirewallDefault is { } d) parts.Add("default " + Word(d));
                notes.Add($"firewall ({List(parts)}): {why}");
            }
            else
            {
                if (target.Security.FirewallDefault is { } d && Differs(GuestKeys.FirewallDefault, Word(d), out var now))
                {
                    firewallDefault = d;
                    if (now is not null) current[GuestKeys.FirewallDefault] = now;
                }
                foreach (var r in target.Network.Ports)
                    if (Differs(GuestKeys.Port(r.Key), Word(r.Action), out var was))
                    {
                        ports.Add(r);
                        if (was is not null) current[GuestKeys.Port(r.Key)] = was;
                    }
                foreach (var r in target.Network.Peers)
                    if (Differs(GuestKeys.Peer(r.Network), Word(r.Action), out var was))
                    {
                        peers.Add(r);
                        if (was is not null) current[GuestKeys.Peer(r.Network)] = was;
                    }
            }
        }

        var fitted = target with
        {
            Software = new TargetSoftware { PackagesPresent = present.ToImmutable(), PackagesAbsent = absent.ToImmutable(), ServicesEnabled = enabled.ToImmutable(), ServicesDisabled = disabled.ToImmutable() },
            Security = target.Security with { Sysctl = sysctl.ToImmutable(), PermitRootLogin = permitRootLogin, PasswordAuthentication = passwordAuthentication, FirewallDefault = firewallDefault },
            Network = target.Network with { Ports = ports.ToImmutable(), Peers = peers.ToImmutable() },
        };
        return new FittedTarget(fitted, current.ToImmutable(), notes.ToImmutable());

        (string? Wanted, string? Now) Ssh(string setting, string? wanted)
        {
            if (wanted is null) return (null, null);
            var now = Value(GuestKeys.Ssh(setting));
            return now == wanted ? (null, now) : (wanted, now);
        }

        bool Differs(string key, string wanted, out string? now)
        {
            now = Value(key);
            return now != wanted;
        }
    }

    /// <summary>A kernel setting's value as vmorph compares and records it: runs of white space as one space.</summary>
    public static string NormaliseSysctl(string value) => Spaces().Replace(value.Trim(), " ");

    private static string Word(RuleAction action) => action == RuleAction.Allow ? GuestKeys.Allow : GuestKeys.Deny;

    private static string List(IEnumerable<string> items) => string.Join(", ", items);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
