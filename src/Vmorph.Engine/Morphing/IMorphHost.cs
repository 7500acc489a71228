using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Planning;

namespace Vmorph.Morphing;

/// <summary>A VM as the morph engine sees it: identity, whether it runs, its configuration now, and how to reach inside.</summary>
/// <param name="Id">The seed's <c>VMID</c> (the domain UUID).</param>
/// <param name="Name">The domain's name.</param>
/// <param name="Running">Whether it runs now.</param>
/// <param name="Configuration">Its configuration as the hypervisor reports it now (no guest settings).</param>
/// <param name="Guest">How vmorph reaches inside it.</param>
public sealed record MorphVm(VmId Id, string Name, bool Running, VmConfiguration Configuration, GuestAccess Guest);

/// <summary>An area of guest settings a guest may or may not let vmorph manage.</summary>
public enum GuestArea
{
    /// <summary>Debian packages (<c>package.*</c>): dpkg and apt-get.</summary>
    Packages,
    /// <summary>systemd units (<c>service.*</c>).</summary>
    Services,
    /// <summary>Kernel settings (<c>sysctl.*</c>): <c>/proc/sys</c> and <c>sysctl</c>.</summary>
    Sysctl,
    /// <summary>SSH daemon settings (<c>ssh.*</c>).</summary>
    Ssh,
    /// <summary>The guest firewall (<c>firewall.*</c>).</summary>
    Firewall,
}

/// <summary>
/// What vmorph found inside a guest: per area, whether it can manage it there (and if not, why), and the current value
/// of each guest setting asked for (null: absent — a package not installed, a unit or kernel setting that does not exist).
/// </summary>
/// <param name="Unsupported">The areas vmorph cannot manage in this guest, each with the reason.</param>
/// <param name="Values">The settings asked for, by guest key (<c>package.nginx</c>), with their values now.</param>
public sealed record GuestSettings(IReadOnlyDictionary<GuestArea, string> Unsupported, IReadOnlyDictionary<string, string?> Values)
{
    /// <summary>The area a guest key belongs to.</summary>
    public static GuestArea AreaOf(string key) =>
        key.StartsWith("package.", StringComparison.Ordinal) ? GuestArea.Packages
        : key.StartsWith("service.", StringComparison.Ordinal) ? GuestArea.Services
        : key.StartsWith("sysctl.", StringComparison.Ordinal) ? GuestArea.Sysctl
        : key.StartsWith("ssh.", StringComparison.Ordinal) ? GuestArea.Ssh
        : key.StartsWith("firewall.", StringComparison.Ordinal) ? GuestArea.Firewall
        : throw new ArgumentException($"'{key}' is not a guest setting vmorph knows", nameof(key));
}

/// <summary>
/// The hypervisor side the morph engine needs besides <see cref="Morphs.IMorphDriver"/>: find a VM and read its
/// configuration, read its guest settings, read the counters the guard samples, and ping its guest agent. Implemented
/// over libvirt and the QEMU guest agent (src/Vmorph.Libvirt/Morphing); expected failures are results.
/// </summary>
public interface IMorphHost
{
    /// <summary>The connection URI, for messages.</summary>
    string Uri { get; }

    /// <summary>A VM by UUID or name, with its configuration now (running: the live definition; shut off: the persistent one).</summary>
    Task<Result<MorphVm>> FindAsync(string idOrName, CancellationToken cancellationToken);

    /// <summary>Reads the named guest settings (keys without the <c>guest.</c> prefix) and what the guest lets vmorph manage.</summary>
    Task<Result<GuestSettings>> ReadGuestSettingsAsync(VmId vm, IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>The VM's cumulative counters now, for the guard.</summary>
    Task<Result<GuardReading>> ReadCountersAsync(VmId vm, CancellationToken cancellationToken);

    /// <summary>Pings the guest agent once; the round trip when it answered.</summary>
    Task<Result<TimeSpan>> PingGuestAsync(VmId vm, TimeSpan timeout, CancellationToken cancellationToken);
}
