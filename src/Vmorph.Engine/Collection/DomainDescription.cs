using Vmorph.Configuration;
using Vmorph.Identity;

namespace Vmorph.Collection;

/// <summary>A domain's state as the hypervisor reports it.</summary>
public enum DomainState
{
    /// <summary>Running (or blocked on I/O).</summary>
    Running,
    /// <summary>Paused by the hypervisor or a person.</summary>
    Paused,
    /// <summary>Shutting down.</summary>
    ShuttingDown,
    /// <summary>Not running.</summary>
    ShutOff,
    /// <summary>Crashed.</summary>
    Crashed,
    /// <summary>Suspended by guest power management.</summary>
    Suspended,
    /// <summary>Anything else.</summary>
    Unknown,
}

/// <summary>A domain and its configuration, as listed by the hypervisor.</summary>
/// <param name="Id">The seed's <c>VMID</c>: the domain's UUID.</param>
/// <param name="Name">The domain's name.</param>
/// <param name="State">Its state.</param>
/// <param name="RuntimeId">The hypervisor's id of the running instance: it changes when the domain restarts.</param>
/// <param name="Configuration">The configuration read from the domain XML.</param>
/// <param name="BaseImage">The seed's <c>BaseImageID</c>: the image at the bottom of the boot disk's backing chain.</param>
/// <param name="GuestAgent">Whether the domain has a QEMU guest agent channel and whether it is connected (null: unknown).</param>
/// <param name="Labels">Labels set on the domain itself, in its libvirt metadata (vmorph's namespace); policies match them.</param>
public sealed record DomainDescription(
    VmId Id,
    string Name,
    DomainState State,
    int? RuntimeId,
    VmConfiguration Configuration,
    BaseImageId BaseImage,
    GuestAgentState GuestAgent,
    IReadOnlyDictionary<string, string>? Labels = null);

/// <summary>What the domain XML says about a domain's QEMU guest agent.</summary>
public enum GuestAgentState
{
    /// <summary>The domain has no <c>org.qemu.guest_agent.0</c> channel.</summary>
    None,
    /// <summary>The channel exists and the agent is connected.</summary>
    Connected,
    /// <summary>The channel exists but no agent is connected to it.</summary>
    Disconnected,
    /// <summary>The channel exists; its state is not reported (an inactive domain, an older libvirt).</summary>
    Unknown,
}
