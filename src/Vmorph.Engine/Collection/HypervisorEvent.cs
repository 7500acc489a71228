using Vmorph.Identity;

namespace Vmorph.Collection;

/// <summary>Something the hypervisor told about a domain (libvirt domain events).</summary>
/// <param name="Vm">The domain.</param>
/// <param name="Name">The domain's name.</param>
/// <param name="At">When it was received.</param>
/// <param name="Description">What happened, for people and as a configuration change's cause (<c>balloon changed to 393216 KiB</c>).</param>
/// <param name="MayChangeConfiguration">Whether it may come with a configuration change (lifecycle, device, balloon, tuning).</param>
public sealed record HypervisorEvent(VmId Vm, string Name, DateTimeOffset At, string Description, bool MayChangeConfiguration);
