using System.Text;
using Vmorph.Guest.Shell;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Libvirt.Morphing;

/// <summary>
/// Reads and changes guest settings inside one guest through an <see cref="IGuestShell"/> (the QEMU guest agent):
/// Debian packages with <c>apt-get</c>, systemd units with <c>systemctl</c>, kernel settings with <c>sysctl -w</c> (and
/// <c>/etc/sysctl.d</c>), SSH daemon settings in an <c>sshd_config.d</c> drop-in, the firewall in vmorph's own nftables
/// table (<see cref="GuestFirewall"/>). Every program runs as an argument vector built from names checked again here
/// (<see cref="GuestKeys.Problem"/>); none is a shell string.
/// </summary>
internal sealed class GuestConfigurator(IGuestShell shell)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan QuickTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PackageTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Enabling or disabling a service with <c>--now</c> starts or stops it, which systemd itself gives 90 s by default
    /// (<c>DefaultTimeoutStartSec</c>), and enabling a SysV-scripted unit runs <c>systemd-sysv-install</c> (perl) too:
    /// PostgreSQL's in a busy guest under TCG took more than 30 s (2026-12-02).
    /// </summary>
    private static readonly TimeSpan ServiceTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The reason firewall settings are left out of a guest without nftables.</summary>
    public const string FirewallUnsupported = "this guest has no nft (vmorph manages the firewall with nftables)";

    private Dictionary<string, string>? tools;

    /// <summary>Reads the settings named by <paramref name="keys"/> (guest keys without <c>guest.</c>), and what this guest lets vmorph manage.</summary>
    public async Task<Result<GuestSettings>> ReadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
            if (GuestKeys.Problem(key, null) is { } problem) return Result<GuestSettings>.Fail($"{shell.Target}: {problem}");
        var run = await shell.RunAsync(new GuestCommand("/bin/sh", ["-c", GuestSettingsScripts.Read, "vmorph-settings", .. keys], ReadTimeout), cancellationToken);
        if (!run.IsSuccess) return Result<GuestSettings>.Fail(run.Errors);
        var text = Encoding.UTF8.GetString(run.Value.Stdout);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || lines[0] != "vmorph-settings 1" || lines[^1] != "vmorph-settings end")
            return Result<GuestSettings>.Fail($"{shell.Target}: the settings script's output is not what it prints (exit {run.Value.ExitCode}): {Excerpt(text + Encoding.UTF8.GetString(run.Value.Stderr))}");
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var systemd = false;
        foreach (var line in lines[1..^1])
        {
            var parts = line.Split(' ', 3);
            switch (parts[0])
            {
                case "tool" when parts.Length == 3: found[parts[1]] = parts[2]; break;
                case "init" when parts.Length == 2 && parts[1] == "systemd": systemd = true; break;
                case "value" when parts.Length == 3 && keys.Contains(parts[1]): values[parts[1]] = parts[2].Trim(); break;
                case "value" when parts.Length == 2 && keys.Contains(parts[1]): values[parts[1]] = ""; break;
                case "absent" when parts.Length == 2 && keys.Contains(parts[1]): values[parts[1]] = null; break;
                default: return Result<GuestSettings>.Fail($"{shell.Target}: the settings script printed a line it never prints, ignored: {Excerpt(line)}");
            }
        }
        tools = found;
        var unsupported = new Dictionary<GuestArea, string>();
        if (!found.ContainsKey("dpkg-query") || !found.ContainsKey("apt-get"))
            unsupported[GuestArea.Packages] = "this guest has no dpkg/apt-get (vmorph manages Debian packages)";
        if (!found.ContainsKey("systemctl") || !systemd)
            unsupported[GuestArea.Services] = "this guest does not run systemd (vmorph manages systemd units)";
        if (!found.ContainsKey("sysctl"))
            unsupported[GuestArea.Sysctl] = "this guest has no sysctl program";
        if (!found.ContainsKey("sshd"))
            unsupported[GuestArea.Ssh] = "this guest has no SSH daemon (sshd)";
        if (Tool("nft") is not { } nft)
            unsupported[GuestArea.Firewall] = FirewallUnsupported;
        else if (keys.Any(k => GuestSettings.AreaOf(k) == GuestArea.Firewall))
        {
            var firewall = await new GuestFirewall(shell, nft).ReadAsync(cancellationToken);
            if (!firewall.IsSuccess) unsupported[GuestArea.Firewall] = "vmorph cannot read its firewall table here: " + string.Join("; ", firewall.Errors);
            else
                foreach (var key in keys.Where(k => GuestSettings.AreaOf(k) == GuestArea.Firewall))
                    values[key] = firewall.Value.GetValueOrDefault(key);
        }
        foreach (var key in keys) values.TryAdd(key, null);
        return Result<GuestSettings>.Ok(new GuestSettings(unsupported, values));
    }

    /// <summary>Carries out a guest-side operation (idempotent: it sets values).</summary>
    public async Task<Result<Done>> ApplyAsync(StepOperation operation, CancellationToken cancellationToken)
    {
        foreach (var change in operation.Changes)
        {
            if (!change.Path.StartsWith("guest.", StringComparison.Ordinal)) return Result<Done>.Fail($"{shell.Target}: {change.Path} is not a guest setting");
            var key = change.Path["guest.".Length..];
            if ((GuestKeys.Problem(key, change.After) ?? GuestKeys.Problem(key, change.Before)) is { } problem) return Result<Done>.Fail($"{shell.Target}: refused: {problem}");
        }
        if (tools is null)
        {
            var probe = await ReadAsync([], cancellationToken);
            if (!probe.IsSuccess) return Result<Done>.Fail(probe.Errors);
        }
        if (operation.Kind is StepKind.SetFirewallDefault or StepKind.SetNetworkRule)
        {
            if (Tool("nft") is not { } nft) return Missing("nft");
            return await new GuestFirewall(shell, nft).SetAsync(operation.Changes.Select(c => (c.Path["guest.".Length..], c.After)), cancellationToken);
        }
        foreach (var change in operation.Changes)
        {
            var key = change.Path["guest.".Length..];
            var done = await ApplyAsync(operation.Kind, key, change.After, cancellationToken);
            if (!done.IsSuccess) return done;
        }
        return Result<Done>.Ok(default);
    }

    private async Task<Result<Done>> ApplyAsync(StepKind kind, string key, string? value, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case StepKind.InstallPackage or StepKind.RemovePackage:
            {
                var name = key["package.".Length..];
                if (Tool("apt-get") is not { } apt || Tool("env") is not { } env) return Missing("apt-get");
                string[] options = ["-y", "-q", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"];
                return value is null
                    ? await RunAsync(env, ["DEBIAN_FRONTEND=noninteractive", apt, .. options, "remove", "--", name], PackageTimeout, $"removing package {name}", cancellationToken)
                    : await RunAsync(env, ["DEBIAN_FRONTEND=noninteractive", apt, .. options, "install", "--no-install-recommends", "--", value == GuestKeys.Installed ? name : $"{name}={value}"], PackageTimeout, $"installing package {name}", cancellationToken);
            }
            case StepKind.EnableService or StepKind.DisableService:
            {
                var name = key["service.".Length..];
                if (Tool("systemctl") is not { } systemctl) return Missing("systemctl");
                if (value == GuestKeys.Enabled) return await RunAsync(systemctl, ["enable", "--now", "--", name], ServiceTimeout, $"enabling service {name}", cancellationToken);
                // Disabled, or absent (undoing the enable of a unit its package brought): stop it; a unit that is gone is fine.
                var disabled = await RunAsync(systemctl, ["disable", "--now", "--", name], ServiceTimeout, $"disabling service {name}", cancellationToken);
                if (!disabled.IsSuccess && value is null && await UnitMissingAsync(systemctl, name, cancellationToken)) return Result<Done>.Ok(default);
                return disabled;
            }
            case StepKind.SetSysctl:
            {
                var name = key["sysctl.".Length..];
                if (Tool("sysctl") is not { } sysctl) return Missing("sysctl");
                if (value is null) return await PersistAsync("persist-sysctl", name, "-", cancellationToken);
                var set = await RunAsync(sysctl, ["-w", $"{name}={value}"], QuickTimeout, $"setting kernel setting {name}", cancellationToken);
                return set.IsSuccess ? await PersistAsync("persist-sysctl", name, value, cancellationToken) : set;
            }
            case StepKind.SetSsh:
            {
                var setting = key["ssh.".Length..] switch
                {
                    "permit-root-login" => "PermitRootLogin",
                    "password-authentication" => "PasswordAuthentication",
                    _ => null,
                };
                if (setting is null) return Result<Done>.Fail($"{shell.Target}: vmorph does not know SSH setting {key}");
                if (Tool("sshd") is null) return Missing("sshd");
                return await PersistAsync("ssh", setting, value ?? "-", cancellationToken);
            }
            default:
                return Result<Done>.Fail($"{shell.Target}: {kind} is not a guest-side change");
        }
    }

    /// <summary>At most 200 characters of a program's output, on one line, for messages.</summary>
    internal static string Excerpt(string text)
    {
        var oneLine = new string([.. text.Take(200).Select(ch => char.IsControl(ch) ? ' ' : ch)]);
        return text.Length > 200 ? oneLine + "..." : oneLine;
    }

    private string? Tool(string name) => tools?.GetValueOrDefault(name);

    private Result<Done> Missing(string tool) => Result<Done>.Fail($"{shell.Target}: the guest has no {tool}");

    private Task<Result<Done>> PersistAsync(string what, string key, string value, CancellationToken cancellationToken) =>
        RunAsync("/bin/sh", ["-c", GuestSettingsScripts.Persist, "vmorph-persist", what, key, value], QuickTimeout, $"persisting {key}", cancellationToken);

    private async Task<bool> UnitMissingAsync(string systemctl, string name, CancellationToken cancellationToken)
    {
        var run = await shell.RunAsync(new GuestCommand(systemctl, ["cat", "--", name], QuickTimeout), cancellationToken);
        return run.IsSuccess && run.Value.ExitCode != 0;
    }

    private async Task<Result<Done>> RunAsync(string path, IReadOnlyList<string> arguments, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var run = await shell.RunAsync(new GuestCommand(path, arguments, timeout), cancellationToken);
        if (!run.IsSuccess) return Result<Done>.Fail([.. run.Errors.Select(e => $"{what}: {e}")]);
        if (run.Value.ExitCode == 0) return Result<Done>.Ok(default);
        var output = (Encoding.UTF8.GetString(run.Value.Stderr) + " " + Encoding.UTF8.GetString(run.Value.Stdout)).Trim();
        return Result<Done>.Fail($"{shell.Target}: {what}: {Path.GetFileName(path)} exited with {run.Value.ExitCode}: {Excerpt(output)}");
    }
}
