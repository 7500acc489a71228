using System.Collections.Immutable;
using System.Globalization;
using Vmorph.Guard;

namespace Vmorph.Morphs;

/// <summary>A transition: the next state, to be written to the journal, and the actions to run after it is written.</summary>
/// <param name="State">The next state.</param>
/// <param name="Actions">What to do, in order, once the state is durable.</param>
public sealed record MorphTransition(MorphState State, ImmutableArray<MorphAction> Actions);

/// <summary>
/// The durable morph state machine as a pure transition function: (state, event) → (state, actions).
/// <code>
/// planned ─start─▶ snapshotting ─taken─▶ snapshotted ─▶ applying(1) ─▶ … ─▶ applying(n) ─▶ observing ─keep─▶ committed
///    │ (no snapshot needed) ───────────────────────────▲        │ step failed / rollback / crash      │ roll back (a measured
///    │                                                          │                                    │ degradation: once a
///    │                                                          │                                    │ second window confirms it)
///    │                                                          ▼                                    ▼
///    └─rollback─▶ rolled-back ◀──── rolling-back(inverse k … 1, restart, or revert snapshot) ◀───────┘
///                                     │ inverse failed → revert snapshot; revert failed → failed (a person)
/// </code>
/// Every action is idempotent and every state is journaled before its actions run, so after a crash the last journal
/// entry says what may have been under way, and <see cref="MorphRecovery"/> decides per state whether to resume or roll
/// back. An event that cannot happen in a state is a bug in the engine and throws.
/// </summary>
public static class MorphMachine
{
    /// <summary>The next state and actions after <paramref name="e"/> in <paramref name="s"/>.</summary>
    public static MorphTransition Next(MorphState s, MorphEvent e)
    {
        var d = s.Definition;
        switch (s.Phase, e)
        {
            case (MorphPhase.Planned, MorphCreated):
                return new(s, []);
            case (MorphPhase.Planned, MorphStarted or ResumedAfterCrash):
                return Start(s, e.At);
            case (MorphPhase.Planned, RollbackRequested r):
                return RolledBack(s with { RollbackReason = r.Reason + "; cancelled before any change" }, []);

            case (MorphPhase.Snapshotting, SnapshotTaken t) when t.Name == d.SnapshotName:
                return new(s with { Phase = MorphPhase.Snapshotted, Snapshot = t.Name, SnapshotTakenAt = t.At }, [new Proceed()]);
            case (MorphPhase.Snapshotting, SnapshotFailed f):
                return Fail(s, $"could not take snapshot {d.SnapshotName}: {f.Reason}; nothing was changed, the VM still has its configuration from before the morph", [new DeleteSnapshot(d.SnapshotName)]);
            case (MorphPhase.Snapshotting, ResumedAfterCrash):
                return new(s, [new TakeSnapshot(d.SnapshotName)]);

            case (MorphPhase.Snapshotted, Proceeded):
                return Apply(s, 1);
            case (MorphPhase.Snapshotted, ResumedAfterCrash):
                return new(s, [new Proceed()]);
            case (MorphPhase.Snapshotted, RollbackRequested r):
                return RolledBack(s with { RollbackReason = r.Reason + "; cancelled before any change" }, []);

            case (MorphPhase.Applying, StepApplied a) when a.Step == s.Step:
                return a.Step < d.Steps.Length ? Apply(s with { AppliedThrough = a.Step }, a.Step + 1) : Observe(s with { AppliedThrough = a.Step }, a.At);
            case (MorphPhase.Applying, StepFailed f) when f.Step == s.Step:
                // A failed step may have taken effect in part; its inverse is idempotent, so it is undone too.
                return RollBack(s, f.Step, $"step {f.Step} failed: {f.Reason}", []);
            case (MorphPhase.Applying, RollbackRequested r):
                // Fed in place of the pending ApplyStep(s.Step), which therefore never started.
                return RollBack(s, s.AppliedThrough, r.Reason, []);
            case (MorphPhase.Applying, ResumedAfterCrash):
                return RollBack(s, s.Step, MorphRecovery.Decide(s).Reason, []);

            case (MorphPhase.Observing, DegradationSeen seen) when s.Unconfirmed is null && seen.Verdict.Decision == GuardDecision.RollBack:
                return new(s with { Unconfirmed = seen.Verdict, ObservingUntil = seen.Until }, [new StartObservation(seen.Until)]);
            case (MorphPhase.Observing, ObservationEnded o) when o.Verdict.Decision == GuardDecision.Keep:
                return Committed(s with { Verdict = o.Verdict }, [new RecordVerdict(o.Verdict)]);
            case (MorphPhase.Observing, ObservationEnded o):
                return RollBack(s with { Verdict = o.Verdict }, d.Steps.Length, "the guard found the VM degraded: " + o.Verdict.Reason, [new RecordVerdict(o.Verdict)]);
            case (MorphPhase.Observing, RollbackRequested r):
                return RollBack(s, d.Steps.Length, r.Reason, []);
            case (MorphPhase.Observing, ResumedAfterCrash):
                return Observe(s, e.At);

            case (MorphPhase.RollingBack, InverseApplied a) when Current(s) is { Kind: RollbackOperationKind.InvertStep } op && op.Step == a.Step:
                return Advance(s);
            case (MorphPhase.RollingBack, Restarted) when Current(s).Kind == RollbackOperationKind.RestartVm:
                return Advance(s);
            case (MorphPhase.RollingBack, Reverted) when Current(s).Kind == RollbackOperationKind.RevertSnapshot:
                return Advance(s with { Discarded = Discarding(s) });
            case (MorphPhase.RollingBack, InverseFailed f) when Current(s) is { Kind: RollbackOperationKind.InvertStep } op && op.Step == f.Step:
                return FallBackToSnapshot(s, $"the inverse of step {f.Step} failed: {f.Reason}");
            case (MorphPhase.RollingBack, RestartFailed f) when Current(s).Kind == RollbackOperationKind.RestartVm:
                return FallBackToSnapshot(s, $"the restart failed: {f.Reason}");
            case (MorphPhase.RollingBack, RevertFailed f) when Current(s).Kind == RollbackOperationKind.RevertSnapshot:
                return Fail(s, $"could not revert snapshot {d.SnapshotName}: {f.Reason}; the VM may be between configurations (rolling back because {s.RollbackReason}); compare it with configuration {d.BaseHash[..12]} and put it right", []);
            case (MorphPhase.RollingBack, ResumedAfterCrash or RollbackRequested):
                return new(s, [ActionFor(s, Current(s))]);

            case (MorphPhase.Committed or MorphPhase.RolledBack or MorphPhase.Failed, Finalized):
                return new(s with { Finalized = true }, []);
            case (MorphPhase.Committed or MorphPhase.RolledBack, ResumedAfterCrash):
                return new(s, s.Finalized ? [] : TerminalActions(s));
            case (MorphPhase.Failed, ResumedAfterCrash):
                return new(s, s.Finalized ? [] : [new MarkFailed(s.FailureReason ?? "failed")]);
            case (MorphPhase.Failed, Resolved r):
                return new(s with { Resolution = r.Note, Finalized = true }, [new ReleaseLease()]);
        }
        throw new InvalidOperationException($"morph {d.MorphId} ({s.Describe()}) cannot take event {e.GetType().Name}{Detail(e)}; the engine fed an event that cannot happen here");
    }

    /// <summary>The actions a terminal state asks for until they are <see cref="Finalized"/>.</summary>
    public static ImmutableArray<MorphAction> TerminalActions(MorphState s)
    {
        var actions = ImmutableArray.CreateBuilder<MorphAction>();
        if (s.Phase == MorphPhase.Committed) actions.Add(new Commit(s.Definition.ExpectedHash));
        if (s.Phase == MorphPhase.Failed) actions.Add(new MarkFailed(s.FailureReason ?? "failed"));
        else
        {
            if (s.Snapshot is not null) actions.Add(new DeleteSnapshot(s.Snapshot));
            actions.Add(new ReleaseLease());
        }
        return actions.ToImmutable();
    }

    private static MorphTransition Start(MorphState s, DateTimeOffset at)
    {
        var d = s.Definition;
        if (d.Steps.IsEmpty) return Committed(s, []);
        if (d.SnapshotRequired) return new(s with { Phase = MorphPhase.Snapshotting }, [new TakeSnapshot(d.SnapshotName)]);
        return Apply(s, 1);
    }

    private static MorphTransition Apply(MorphState s, int step) =>
        new(s with { Phase = MorphPhase.Applying, Step = step }, [new ApplyStep(step)]);

    private static MorphTransition Observe(MorphState s, DateTimeOffset at)
    {
        var until = at + s.Definition.ObservationWindow;
        return new(s with { Phase = MorphPhase.Observing, Step = 0, ObservingUntil = until }, [new StartObservation(until)]);
    }

    private static MorphTransition Committed(MorphState s, ImmutableArray<MorphAction> before)
    {
        var committed = s with { Phase = MorphPhase.Committed, Step = 0, ObservingUntil = null };
        return new(committed, before.AddRange(TerminalActions(committed)));
    }

    private static MorphTransition RolledBack(MorphState s, ImmutableArray<MorphAction> before)
    {
        var rolledBack = s with { Phase = MorphPhase.RolledBack, Step = 0, ObservingUntil = null, Rollback = [], RollbackPosition = 0 };
        return new(rolledBack, before.AddRange(TerminalActions(rolledBack)));
    }

    private static MorphTransition RollBack(MorphState s, int through, string reason, ImmutableArray<MorphAction> before)
    {
        var operations = RollbackOperation.Sequence(s.Definition.Steps, through);
        s = s with { RollbackReason = reason };
        if (operations.IsEmpty) return RolledBack(s, before);
        if (operations.Any(o => o.Kind == RollbackOperationKind.RevertSnapshot) && s.Snapshot is null)
            return Fail(s, $"rolling back because {reason}, but a step up to {through} can only be undone by the snapshot and there is none; the VM may be between configurations: compare it with configuration {s.Definition.BaseHash[..12]}", before);
        var rolling = s with { Phase = MorphPhase.RollingBack, Step = 0, ObservingUntil = null, Rollback = operations, RollbackPosition = 0 };
        return new(rolling, before.Add(ActionFor(rolling, operations[0])));
    }

    private static MorphTransition Advance(MorphState s)
    {
        var next = s.RollbackPosition + 1;
        if (next >= s.Rollback.Length) return RolledBack(s, []);
        var advanced = s with { RollbackPosition = next };
        return new(advanced, [ActionFor(advanced, advanced.Rollback[next])]);
    }

    private static MorphTransition FallBackToSnapshot(MorphState s, string why)
    {
        if (s.Snapshot is null)
            return Fail(s, $"{why} while rolling back because {s.RollbackReason}, and there is no snapshot to fall back to; the VM may be between configurations: compare it with configuration {s.Definition.BaseHash[..12]}", []);
        var revert = s with { Rollback = [new RollbackOperation(RollbackOperationKind.RevertSnapshot)], RollbackPosition = 0, RollbackReason = $"{s.RollbackReason}; then {why}, so the snapshot is reverted" };
        return new(revert, [ActionFor(revert, revert.Rollback[0])]);
    }

    private static MorphTransition Fail(MorphState s, string reason, ImmutableArray<MorphAction> before)
    {
        // The lease stays with a failed morph: no other morph may touch the VM until a person resolves it.
        var failed = s with { Phase = MorphPhase.Failed, FailureReason = reason, ObservingUntil = null };
        return new(failed, before.AddRange(TerminalActions(failed)));
    }

    private static RollbackOperation Current(MorphState s) => s.Rollback[s.RollbackPosition];

    private static MorphAction ActionFor(MorphState s, RollbackOperation op) => op.Kind switch
    {
        RollbackOperationKind.InvertStep => new InvertStep(op.Step ?? throw new InvalidOperationException("an invert operation without a step")),
        RollbackOperationKind.RestartVm => new RestartVm(),
        RollbackOperationKind.RevertSnapshot => new RevertSnapshot(s.Snapshot ?? s.Definition.SnapshotName, Discarding(s)),
        _ => throw new InvalidOperationException($"unknown rollback operation {op.Kind}"),
    };

    private static string Discarding(MorphState s) =>
        string.Create(CultureInfo.InvariantCulture,
            $"everything VM {s.Definition.Vm} wrote to its memory and disks since snapshot {s.Snapshot ?? s.Definition.SnapshotName} was taken at {s.SnapshotTakenAt?.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (files, database commits, logs and sessions of that time)");

    private static string Detail(MorphEvent e) => e switch
    {
        StepApplied a => $"(step {a.Step})",
        StepFailed f => $"(step {f.Step})",
        InverseApplied a => $"(step {a.Step})",
        InverseFailed f => $"(step {f.Step})",
        _ => "",
    };
}
