using System.Globalization;
using Vmorph.Policies;
using Vmorph.Traits;

namespace Vmorph.Triggers;

/// <summary>
/// The seed's <c>WorkloadDetectionBasedMorphing</c>: once per window it reads the VM's weighted trait vector; when the
/// top workload archetype differs from the one the VM is known as, with at least the minimum confidence, for the
/// policy's number of consecutive windows, it asks to morph to that archetype's target profile (from the catalog; the archetype's name if it has none). The first vector seen
/// only sets what the VM is known as.
/// </summary>
public sealed class WorkloadDetectionBasedMorphing(WorkloadSettings settings, ArchetypeCatalog catalog)
{
    private DateTimeOffset? nextWindow;
    private string? candidate;
    private int streak;

    /// <summary>The archetype the VM is known as (null before the first window).</summary>
    public string? Current { get; private set; }

    /// <summary>Whether a window has ended at <paramref name="now"/>, so <see cref="Evaluate"/> should be given a fresh trait vector.</summary>
    public bool Due(DateTimeOffset now) => nextWindow is null || now >= nextWindow;

    /// <summary>Evaluates one window's trait vector; an intent when the change has held long enough.</summary>
    public MorphIntent? Evaluate(DateTimeOffset now, WeightedTraitVector traits)
    {
        nextWindow = now + settings.Window;
        var top = traits.Top(1, TraitKind.Workload).FirstOrDefault();
        if (top is null) return null;
        if (Current is null)
        {
            Current = top.Trait;
            return null;
        }
        if (top.Trait == Current || top.Score < settings.MinConfidence)
        {
            candidate = null;
            streak = 0;
            return null;
        }
        if (top.Trait == candidate) streak++;
        else
        {
            candidate = top.Trait;
            streak = 1;
        }
        if (streak < settings.Windows) return null;
        var previous = Current;
        Current = top.Trait;
        candidate = null;
        streak = 0;
        var profile = catalog.Archetypes.FirstOrDefault(a => a.Name == top.Trait)?.TargetProfile ?? top.Trait;
        return new MorphIntent(TriggerKind.WorkloadDetection, now, null, null, profile,
            string.Create(CultureInfo.InvariantCulture, $"top archetype changed from {previous} to {top.Trait} ({top.Score:0.00}) for {settings.Windows} windows of {ValueParsers.Format(settings.Window)}: {top.Explain()}"));
    }
}
