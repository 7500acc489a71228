using System.Collections.Immutable;
using Vmorph.Planning;

namespace Vmorph.Libvirt.Host;

/// <summary>A host as read through libvirt: the facts, the domain types it offers, and what the planner makes of them.</summary>
/// <param name="Facts">What libvirt reported.</param>
/// <param name="Domains">The domain capabilities, one per domain type the host accepts (empty when the driver cannot tell).</param>
/// <param name="Capabilities">What the planner may give one VM and which changes apply live (<see cref="HostCapabilitiesMapping.Map"/>).</param>
public sealed record LibvirtHost(HostFacts Facts, ImmutableArray<DomainCapabilities> Domains, HostCapabilities Capabilities)
{
    /// <summary>The accelerators the host offers (<c>KVM</c>, <c>TCG</c>), in libvirt's order of preference.</summary>
    public ImmutableArray<string> Accelerators => [.. Domains.Select(d => d.Accelerator)];
}
