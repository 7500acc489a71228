using System.Globalization;
using Vmorph.Policies;
using Vmorph.Traits;

namespace Vmorph.Triggers;

/// <summary>
/// The seed's <c>WorkloadDetectionBasedMorphing</c>: once per window it classifies the VM's weighted trait vector
/// (<see cref="WorkloadClassifier"/> with the catalog's thresholds; a workload below the policy's minimum confidence
/// counts as <c>unknown</c>). When the detected workload differs from the one the VM is known as for the policy's number
/// of consecutive windows, the VM becomes known as it, and, when it is a workload rather than <c>unknown</c>, the
/// trigger asks to morph to that archetype's target profile (from the catalog; the archetype's name if it has none).
/// The first window only sets what the VM is known as.
/// </summary>
public sealed class WorkloadDetectionBasedMorphing(WorkloadSettings settings, ArchetypeCatalog catalog)
{
    private DateTimeOffset? nextWindow;
    private string? candidate;
    private int streak;

    /// <summary>The workload the VM is known as, or <c>unknown</c> (null before the first window).</summary>
    public string? Current { get; private set; }

    /// <summary>Whether a window has ended at <paramref name="now"/>, so <see cref="Evaluate"/> should be given a fresh trait vector.</summary>
    public bool Due(DateTimeOffset now) => nextWindow is null || now >= nextWindow;

    /// <summary>Evaluates one window's trait vector; an intent when a change to a workload has held long enough.</summary>
    public MorphIntent? Evaluate(DateTimeOffset now, WeightedTraitVector traits)
    {
        nextWindow = now + settings.Window;
        var detected = WorkloadClassifier.Classify(traits, catalog.Classification);
        var name = detected.IsKnown && detected.Score >= settings.MinConfidence ? detected.Name : WorkloadClassification.Unknown;
        if (Current is null)
        {
            Current = name;
            return null;
        }
        if (name == Current)
        {
            candidate = null;
            streak = 0;
            return null;
        }
        if (name == candidate) streak++;
        else
        {
            candidate = name;
            streak = 1;
        }
        if (streak < settings.Windows) return null;
        var previous = Current;
        Current = name;
        candidate = null;
        streak = 0;
        // A workload that faded (to unknown) has no profile to morph to; the VM is known as unknown until the next one.
        if (name == WorkloadClassification.Unknown) return null;
        var profile = catalog.Archetypes.FirstOrDefault(a => a.Name == name)?.TargetProfile ?? name;
        var runnerUp = detected.RunnerUp is { } r ? string.Create(CultureInfo.InvariantCulture, $", margin {detected.Margin:0.00} over {r}") : "";
        var features = string.Join(", ", detected.DecidedBy.Take(3));
        return new MorphIntent(TriggerKind.WorkloadDetection, now, null, null, profile,
            string.Create(CultureInfo.InvariantCulture,
                $"detected {name} with confidence {detected.Score:0.00} (coverage {detected.Coverage:P0}{runnerUp}) for {settings.Windows} windows of {ValueParsers.Format(settings.Window)}, was {previous}; decided by {features}"))
        {
            Detected = name,
            Confidence = detected.Score,
        };
    }
}
