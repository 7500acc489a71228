using Vmorph.Morphs;

namespace Vmorph.Morphing;

/// <summary>How a request to morph ended.</summary>
public enum MorphResult
{
    /// <summary>The plan had no steps: nothing to do.</summary>
    NoChanges,
    /// <summary>Every step applied, the guard kept it, the new configuration is a committed version.</summary>
    Committed,
    /// <summary>Undone (a step failed, the guard found degradation, or a person asked): the VM is back where it was.</summary>
    RolledBack,
    /// <summary>vmorph could neither go on nor go back; a person must look (the VM keeps its lease).</summary>
    Failed,
    /// <summary>Refused before any change (the VM changed since the plan, it is not running, a precondition fails).</summary>
    Refused,
    /// <summary>Another morph holds the VM.</summary>
    Busy,
    /// <summary>vmorph stopped before the morph ended (cancelled, lease lost, another engine took over): it is unfinished and will be recovered.</summary>
    Stopped,
}

/// <summary>What came of a morph, for people and tools.</summary>
/// <param name="Result">How it ended.</param>
/// <param name="Message">One line (or a few) saying so, with the reason.</param>
/// <param name="Record">The morph, when one was journaled.</param>
/// <param name="Last">Its last journal entry.</param>
/// <param name="Timings">How long its parts took.</param>
public sealed record MorphOutcome(MorphResult Result, string Message, MorphRecord? Record = null, MorphJournalEntry? Last = null, MorphTimings? Timings = null);

/// <summary>
/// How long a morph's parts took, from its journal (each entry carries its event's time): the snapshot, the steps
/// (from <c>started</c> to the state <c>observing</c>: the VM has every change, before the guard's window), the
/// observation window, a rollback, and the whole morph.
/// </summary>
/// <param name="Snapshot">Taking the snapshot.</param>
/// <param name="Steps">From the start to the last step applied (committed-before-observation).</param>
/// <param name="Observation">The guard's window and verdict.</param>
/// <param name="Rollback">From the decision to roll back to rolled back.</param>
/// <param name="Total">From the first entry to the last.</param>
public sealed record MorphTimings(TimeSpan? Snapshot, TimeSpan? Steps, TimeSpan? Observation, TimeSpan? Rollback, TimeSpan Total)
{
    /// <summary>The timings of a journal.</summary>
    public static MorphTimings From(IReadOnlyList<MorphJournalEntry> entries)
    {
        if (entries.Count == 0) return new MorphTimings(null, null, null, null, TimeSpan.Zero);
        DateTimeOffset? At(Func<MorphJournalEntry, bool> match) => entries.FirstOrDefault(match)?.At;
        var started = At(e => e.Event is MorphStarted);
        var snapshot = At(e => e.Event is SnapshotTaken);
        var observing = At(e => e.State.Phase == MorphPhase.Observing);
        var observed = At(e => e.Event is ObservationEnded);
        // The entry that entered rolling-back carries the event that decided it (a verdict, a failed step, a request).
        var rollingBack = At(e => e.State.Phase == MorphPhase.RollingBack);
        var rolledBack = At(e => e.State.Phase == MorphPhase.RolledBack);
        return new MorphTimings(
            snapshot - started,
            observing - started,
            observed - observing,
            rolledBack - rollingBack,
            entries[^1].At - entries[0].At);
    }
}
