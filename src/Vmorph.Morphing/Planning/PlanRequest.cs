using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Profiles;
using Vmorph.TargetProfiles;
using Vmorph.Traits;

namespace Vmorph.Planning;

/// <summary>Everything the <see cref="MorphingAlgorithm"/> needs to plan one VM's morph.</summary>
public sealed record PlanRequest
{
    /// <summary>The VM.</summary>
    public required VmId Vm { get; init; }

    /// <summary>The VM's name, for people.</summary>
    public required string VmName { get; init; }

    /// <summary>Its configuration now (the latest version of its <see cref="ConfigurationHistory"/>).</summary>
    public required VmConfiguration Current { get; init; }

    /// <summary>The target profile.</summary>
    public required TargetProfile Target { get; init; }

    /// <summary>The VM's profile, for relative sizes and risk; null when it has none (relative sizes then fail with "no data").</summary>
    public PersonalityProfile? Profile { get; init; }

    /// <summary>The VM's trait vector, for the comparison with the target's expected traits; null when not scored.</summary>
    public WeightedTraitVector? Traits { get; init; }

    /// <summary>What the host can do live and how much it has (read from the real host; there is no default).</summary>
    public required HostCapabilities Host { get; init; }

    /// <summary>How vmorph reaches inside this VM.</summary>
    public GuestAccess Guest { get; init; } = GuestAccess.Agent;

    /// <summary>When the morph takes its snapshot.</summary>
    public SnapshotPolicy Snapshot { get; init; } = SnapshotPolicy.Auto;

    /// <summary>When the plan is made (from the injected clock).</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
