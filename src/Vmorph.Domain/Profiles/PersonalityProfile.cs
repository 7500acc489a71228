using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>
/// The seed's personality profile of one VM: identity, <see cref="ConfigurationHistory"/>, <see cref="ApplicationUsageStats"/>,
/// <see cref="DataFootprintAnalysis"/>, <see cref="NetworkTrafficProfile"/>, the optional <see cref="UserBehaviorModel"/> and
/// <see cref="PerformanceMetrics"/>; its <c>WeightedTraitVector</c> is derived from these by <c>TraitScorer</c>, so it is
/// never stale. Observations are folded one at a time in bounded memory, and the result does not depend on how they
/// were batched. <see cref="PerformanceMetrics"/> is a mutable accumulator because folding ten million samples a second
/// leaves no room for copies; everything else is an immutable value.
/// </summary>
public sealed class PersonalityProfile
{
    /// <summary>Creates an empty profile.</summary>
    public PersonalityProfile(VmId id, string name, string source, BaseImageId? baseImage = null, PerformanceMetrics? performance = null)
    {
        Id = id;
        Name = name;
        Source = source;
        BaseImage = baseImage ?? BaseImageId.Unknown;
        Performance = performance ?? new PerformanceMetrics();
    }

    /// <summary>The seed's <c>VMID</c>.</summary>
    public VmId Id { get; }

    /// <summary>The name people use (the libvirt domain name, the trace's VM name).</summary>
    public string Name { get; }

    /// <summary>Where the observations come from (<c>trace:bitbrains</c>, <c>libvirt:qemu:///system</c>).</summary>
    public string Source { get; }

    /// <summary>The seed's <c>BaseImageID</c>.</summary>
    public BaseImageId BaseImage { get; set; }

    /// <summary>Resource use over time.</summary>
    public PerformanceMetrics Performance { get; }

    /// <summary>Every configuration the VM has had.</summary>
    public ConfigurationHistory ConfigurationHistory { get; set; } = ConfigurationHistory.Empty;

    /// <summary>Applications run inside the guest.</summary>
    public ApplicationUsageStats Applications { get; set; } = ApplicationUsageStats.Empty;

    /// <summary>The data the guest stores.</summary>
    public DataFootprintAnalysis DataFootprint { get; set; } = DataFootprintAnalysis.Empty;

    /// <summary>The guest's network traffic.</summary>
    public NetworkTrafficProfile Network { get; set; } = NetworkTrafficProfile.Empty;

    /// <summary>User behaviour, only with consent.</summary>
    public UserBehaviorModel UserBehavior { get; set; } = UserBehaviorModel.Empty;

    /// <summary>
    /// How fast in-guest evidence fades (applications, listening ports, peers): a snapshot's weight halves every
    /// half-life. Setting it keeps what was folded and fades it at the new rate from then on.
    /// </summary>
    public TimeSpan EvidenceHalfLife
    {
        get => Applications.HalfLife;
        set
        {
            if (value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(value), value, "The half-life must be positive.");
            if (value == Applications.HalfLife && value == Network.HalfLife) return;
            Applications = Applications with { HalfLife = value };
            Network = Network with { HalfLife = value };
        }
    }

    /// <summary>
    /// Why the in-guest parts are empty, when they are (a trace carries no in-guest view; a domain has no guest agent);
    /// null once the guest has been seen from inside.
    /// </summary>
    public string? GuestViewMissing { get; set; }

    /// <summary>Folds one observation.</summary>
    public void Fold(Observation observation, ReadOnlySpan<byte> anonymisationKey = default)
    {
        switch (observation)
        {
            case MetricObservation m:
                Performance.Fold(m.Sample);
                break;
            case MissingObservation:
                Performance.FoldMissing();
                break;
            case ConfigurationObservation c:
                ConfigurationHistory = ConfigurationHistory.Record(c.Configuration, c.When, c.Cause);
                break;
            case InventoryObservation i:
                Applications = Applications.Fold(i.Inventory);
                Network = Network.Fold(i.Inventory);
                DataFootprint = DataFootprint.Fold(i.Inventory);
                UserBehavior = UserBehavior.Fold(i.Inventory, anonymisationKey);
                GuestViewMissing = null;
                break;
            default:
                throw new ArgumentException($"unknown observation type {observation.GetType().Name}", nameof(observation));
        }
    }

    /// <summary>Folds a sample straight into the performance metrics (the hot path of trace imports).</summary>
    public void Fold(in MetricSample sample) => Performance.Fold(sample);
}
