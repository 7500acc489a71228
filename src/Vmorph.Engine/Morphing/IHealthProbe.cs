using Vmorph.Guard;

namespace Vmorph.Morphing;

/// <summary>The guard's optional health probe: one check of the guest's service, as seen from vmorph's host.</summary>
public interface IHealthProbe
{
    /// <summary>What it probes, for messages (<c>tcp://10.0.0.5:80</c>).</summary>
    string Description { get; }

    /// <summary>Probes once; a failure is a result with <see cref="ProbeResult.Success"/> false, never an exception.</summary>
    Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken);
}
