using Vmorph.Guard;

namespace Vmorph.Morphing;

/// <summary>The guard's optional health probe: one check of the guest's service, as seen from vmorph's host.</summary>
public interface IHealthProbe
{
    /// <summary>What it probes, for messages (<c>tcp://10.0.0.5:80</c>).</summary>
    string Description { get; }

    /// <summary>
    /// The address to store with the morph, from which a morph recovered after a crash makes the same probe again
    /// (<see cref="MorphEngineOptions.ProbeFromAddress"/>); null when it must not be stored because it may carry a secret.
    /// </summary>
    string? Address { get; }

    /// <summary>Probes once; a failure is a result with <see cref="ProbeResult.Success"/> false, never an exception.</summary>
    Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken);
}
