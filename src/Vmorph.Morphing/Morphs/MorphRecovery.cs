namespace Vmorph.Morphs;

/// <summary>What vmorph does with an unfinished morph it finds on restart.</summary>
public enum RecoveryAction
{
    /// <summary>Carry on from where it stopped.</summary>
    Resume,
    /// <summary>Undo what may have been done, back to the configuration before the morph.</summary>
    RollBack,
    /// <summary>The morph ended, but its clean-up may not have run: run it again.</summary>
    FinishCleanUp,
    /// <summary>Nothing: the morph ended and was cleaned up.</summary>
    Nothing,
    /// <summary>Nothing automatic: the morph failed and a person must look.</summary>
    NeedsPerson,
}

/// <summary>A recovery decision and why.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Reason">Why, for the journal and the operator.</param>
public sealed record RecoveryDecision(RecoveryAction Action, string Reason);

/// <summary>
/// Decides, from the last journal entry of a morph found unfinished after a crash or kill, whether to resume it or roll
/// it back, so that the VM ends in the configuration of a committed version (the one before or the one after the
/// morph) and never in between. The rule per state, and why:
/// <list type="bullet">
/// <item>planned, snapshotting, snapshotted: resume. Nothing has been changed; taking the snapshot again is harmless.</item>
/// <item>applying step k: roll back steps k … 1. Step k was in flight, so the VM may be between configurations; the way
/// back is known (inverse steps are idempotent) while whatever stopped vmorph mid-step may stop it again, and the
/// baseline the guard compares with is now stale.</item>
/// <item>observing: resume, observing a whole window again from now (samples may be missing for the time vmorph was
/// down). Every step is applied; throwing a complete morph away because vmorph restarted would be wrong.</item>
/// <item>rolling back: resume the rollback (its operations are idempotent).</item>
/// <item>committed, rolled back: finish the clean-up if it may not have run.</item>
/// <item>failed: nothing automatic; a person must look.</item>
/// </list>
/// <see cref="MorphMachine.Next"/> does exactly this on <see cref="ResumedAfterCrash"/>.
/// </summary>
public static class MorphRecovery
{
    /// <summary>The decision for a morph whose last journaled state is <paramref name="state"/>.</summary>
    public static RecoveryDecision Decide(MorphState state) => state.Phase switch
    {
        MorphPhase.Planned => new(RecoveryAction.Resume, "nothing was changed yet; start again once the VM is checked against the plan's base configuration"),
        MorphPhase.Snapshotting => new(RecoveryAction.Resume, "nothing was changed yet; take the snapshot again (a partial one of the same name is deleted first)"),
        MorphPhase.Snapshotted => new(RecoveryAction.Resume, "the snapshot exists and no step has started; go on with step 1"),
        MorphPhase.Applying => new(RecoveryAction.RollBack,
            $"vmorph stopped while step {state.Step} of {state.Definition.Steps.Length} was being applied, so the VM may be between configurations; rolling back to the configuration before the morph, which is known"),
        MorphPhase.Observing => new(RecoveryAction.Resume, "every step is applied; observe a whole window again from now, because samples may be missing for the time vmorph was down"),
        MorphPhase.RollingBack => new(RecoveryAction.Resume, $"continue rolling back from operation {state.RollbackPosition + 1} of {state.Rollback.Length} (every operation is idempotent)"),
        MorphPhase.Committed or MorphPhase.RolledBack => state.Finalized
            ? new(RecoveryAction.Nothing, "the morph ended and was cleaned up")
            : new(RecoveryAction.FinishCleanUp, "the morph ended but its clean-up may not have run; run it again"),
        MorphPhase.Failed => new(RecoveryAction.NeedsPerson, $"the morph failed and needs a person: {state.FailureReason}"),
        _ => throw new ArgumentOutOfRangeException(nameof(state), state.Phase, null),
    };

    /// <summary>The decision for a morph whose last journal entry is <paramref name="last"/>.</summary>
    public static RecoveryDecision Decide(MorphJournalEntry last) => Decide(last.State);

    /// <summary>The journal entry that records the recovery, with the actions to run after it is written.</summary>
    public static MorphJournalEntry Recover(MorphJournalEntry last, DateTimeOffset now) => last.Next(new ResumedAfterCrash(now));
}
