using System.Text.RegularExpressions;
using Vmorph.TargetProfiles;

namespace Vmorph.Planning;

/// <summary>
/// The keys and values of guest-side settings in <see cref="Configuration.VmConfiguration.Guest"/>, as the planner
/// writes them and a guest source must report them:
/// <list type="bullet">
/// <item><c>package.NAME</c> = the installed version, or <see cref="Installed"/>; absent when not installed.</item>
/// <item><c>service.NAME</c> = <see cref="Enabled"/> or <see cref="Disabled"/>; absent when the unit does not exist.</item>
/// <item><c>sysctl.KEY</c> = the value.</item>
/// <item><c>ssh.permit-root-login</c>, <c>ssh.password-authentication</c> = sshd's value.</item>
/// <item><c>firewall.default</c> = <see cref="Allow"/> or <see cref="Deny"/>.</item>
/// <item><c>firewall.port.PORT[-PORT]/PROTO</c>, <c>firewall.peer.CIDR</c> = <see cref="Allow"/> or <see cref="Deny"/>.</item>
/// </list>
/// </summary>
public static partial class GuestKeys
{
    /// <summary>The value the planner sets for a package it installs.</summary>
    public const string Installed = "installed";

    /// <summary>An enabled service.</summary>
    public const string Enabled = "enabled";

    /// <summary>A disabled service.</summary>
    public const string Disabled = "disabled";

    /// <summary>A firewall rule or default that lets traffic in.</summary>
    public const string Allow = "allow";

    /// <summary>A firewall rule or default that drops traffic.</summary>
    public const string Deny = "deny";

    /// <summary>The key of a package.</summary>
    public static string Package(string name) => "package." + name;

    /// <summary>The key of a service.</summary>
    public static string Service(string name) => "service." + name;

    /// <summary>The key of a kernel setting.</summary>
    public static string Sysctl(string key) => "sysctl." + key;

    /// <summary>The key of an SSH daemon setting (<c>permit-root-login</c>).</summary>
    public static string Ssh(string setting) => "ssh." + setting;

    /// <summary>The key of the firewall default.</summary>
    public const string FirewallDefault = "firewall.default";

    /// <summary>The key of a port rule (<c>80/tcp</c>).</summary>
    public static string Port(string rule) => "firewall.port." + rule;

    /// <summary>The key of a peer rule (<c>10.0.0.0/8</c>).</summary>
    public static string Peer(string network) => "firewall.peer." + network;

    /// <summary>
    /// What is wrong with a guest setting (key without the <c>guest.</c> prefix, and its value), or null when it is
    /// safe to hand to a guest driver: names and values follow <see cref="GuestNames"/> and the fixed vocabularies
    /// above. Checked when planning and again when a saved plan is loaded.
    /// </summary>
    public static string? Problem(string key, string? value)
    {
        string? Name(string prefix, Func<string?, bool> valid, string rule) =>
            valid(key[prefix.Length..]) ? null : $"{key}: '{key[prefix.Length..]}' is not {rule}";
        if (key.StartsWith("package.", StringComparison.Ordinal))
            return Name("package.", GuestNames.IsPackage, GuestNames.PackageRule)
                ?? (value is null || VersionPattern().IsMatch(value) ? null : $"{key}: '{value}' is not a Debian version");
        if (key.StartsWith("service.", StringComparison.Ordinal))
            return Name("service.", GuestNames.IsService, GuestNames.ServiceRule)
                ?? (value is null or Enabled or Disabled ? null : $"{key}: '{value}' is not one of {Enabled}, {Disabled}");
        if (key.StartsWith("sysctl.", StringComparison.Ordinal))
            return Name("sysctl.", GuestNames.IsSysctlKey, "a sysctl key")
                ?? (value is null || GuestNames.IsSysctlValue(value) ? null : $"{key}: '{value}' is not a valid sysctl value");
        if (key is "ssh.permit-root-login")
            return value is null or "yes" or "no" or "prohibit-password" ? null : $"{key}: '{value}' is not one of yes, no, prohibit-password";
        if (key is "ssh.password-authentication")
            return value is null or "yes" or "no" ? null : $"{key}: '{value}' is not one of yes, no";
        if (key == FirewallDefault || key.StartsWith("firewall.port.", StringComparison.Ordinal) || key.StartsWith("firewall.peer.", StringComparison.Ordinal))
        {
            if (key.StartsWith("firewall.port.", StringComparison.Ordinal) && !PortPattern().IsMatch(key["firewall.port.".Length..]))
                return $"{key}: '{key["firewall.port.".Length..]}' is not a port rule (80/tcp, 8000-8100/udp)";
            if (key.StartsWith("firewall.peer.", StringComparison.Ordinal) && !System.Net.IPNetwork.TryParse(key["firewall.peer.".Length..], out _))
                return $"{key}: '{key["firewall.peer.".Length..]}' is not a network in CIDR form";
            return value is null or Allow or Deny ? null : $"{key}: '{value}' is not one of {Allow}, {Deny}";
        }
        return $"{key}: vmorph does not know this guest setting";
    }

    [GeneratedRegex("^[A-Za-z0-9.+~:-]{1,128}$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[0-9]{1,5}(-[0-9]{1,5})?/(tcp|udp)$")]
    private static partial Regex PortPattern();
}
