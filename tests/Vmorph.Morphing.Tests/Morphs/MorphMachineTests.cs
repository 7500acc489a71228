using System.Collections.Immutable;
using Vmorph.Guard;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Morphing.Tests.Morphs;

public class MorphMachineTests
{
    private static readonly DateTimeOffset T0 = Fixtures.Now;
    private static readonly GuardVerdict Keep = new(GuardDecision.Keep, [], false, "keep: no signal degraded");
    private static readonly GuardVerdict Degraded = new(GuardDecision.RollBack, [], false, "roll back: cpu.saturation degraded");

    private static StepOutline Live(int i) => new(i, StepKind.SetMemory, StepMode.Live, StepMode.Live, InverseMechanism.Step);
    private static StepOutline HotAdd(int i) => new(i, StepKind.SetVcpus, StepMode.Live, StepMode.Restart, InverseMechanism.Step);
    private static StepOutline AtRestart(int i) => new(i, StepKind.SetMaxMemory, StepMode.Restart, StepMode.Restart, InverseMechanism.Step);
    private static StepOutline Restart(int i) => new(i, StepKind.RestartVm, StepMode.Restart, StepMode.Restart, InverseMechanism.Step);
    private static StepOutline Grow(int i) => new(i, StepKind.GrowDisk, StepMode.Live, StepMode.Live, InverseMechanism.Snapshot);

    private static MorphState Planned(bool snapshot, params StepOutline[] steps) => MorphState.Planned(new MorphDefinition
    {
        MorphId = "m1",
        Vm = Fixtures.LabId,
        PlanId = "0123456789abcdef",
        BaseHash = new string('a', 64),
        ExpectedHash = new string('b', 64),
        Steps = [.. steps],
        SnapshotRequired = snapshot,
        ObservationWindow = TimeSpan.FromMinutes(10),
    });

    /// <summary>Feeds events in order, checking each transition's actions.</summary>
    private static MorphState Walk(MorphState state, params (MorphEvent Event, MorphAction[] Actions)[] script)
    {
        foreach (var (e, expected) in script)
        {
            var t = MorphMachine.Next(state, e);
            Assert.Equal(expected, t.Actions.ToArray());
            state = t.State;
        }
        return state;
    }

    private static MorphEvent At(int seconds, Func<DateTimeOffset, MorphEvent> make) => make(T0.AddSeconds(seconds));

    [Fact]
    public void HappyPath_SnapshotApplyObserveCommit()
    {
        var state = Walk(Planned(true, Live(1), HotAdd(2)),
            (new MorphStarted(T0), [new TakeSnapshot("vmorph-m1")]),
            (new SnapshotTaken(T0.AddSeconds(1), "vmorph-m1"), [new Proceed()]),
            (new Proceeded(T0.AddSeconds(1)), [new ApplyStep(1)]),
            (new StepApplied(T0.AddSeconds(2), 1), [new ApplyStep(2)]),
            (new StepApplied(T0.AddSeconds(3), 2), [new StartObservation(T0.AddSeconds(3).AddMinutes(10))]));
        Assert.Equal(MorphPhase.Observing, state.Phase);
        Assert.Equal(2, state.AppliedThrough);
        state = Walk(state,
            (new ObservationEnded(T0.AddMinutes(11), Keep), [new RecordVerdict(Keep), new Commit(new string('b', 64)), new DeleteSnapshot("vmorph-m1"), new ReleaseLease()]),
            (new Finalized(T0.AddMinutes(11)), []));
        Assert.Equal(MorphPhase.Committed, state.Phase);
        Assert.Same(Keep, state.Verdict);
        Assert.True(state.Finalized);
    }

    [Fact]
    public void WithoutSnapshot_StartsWithStepOne_AndAnEmptyPlanCommitsAtOnce()
    {
        Walk(Planned(false, Live(1)), (new MorphStarted(T0), [new ApplyStep(1)]));
        var empty = MorphMachine.Next(Planned(false), new MorphStarted(T0));
        Assert.Equal(MorphPhase.Committed, empty.State.Phase);
        Assert.Equal([new Commit(new string('b', 64)), new ReleaseLease()], empty.Actions.ToArray());
    }

    [Fact]
    public void StepFailed_RollsBackThatStepAndTheOnesBefore_InReverse()
    {
        var state = Walk(Planned(false, Live(1), Live(2), Live(3)),
            (new MorphStarted(T0), [new ApplyStep(1)]),
            (new StepApplied(T0, 1), [new ApplyStep(2)]),
            (new StepFailed(T0, 2, "libvirt: timed out"), [new InvertStep(2)]),
            (new InverseApplied(T0, 2), [new InvertStep(1)]),
            (new InverseApplied(T0, 1), [new ReleaseLease()]));
        Assert.Equal(MorphPhase.RolledBack, state.Phase);
        Assert.Equal("step 2 failed: libvirt: timed out", state.RollbackReason);
    }

    [Fact]
    public void GuardDegradation_AfterHotAddAndRestartSteps_InvertsEveryStepThenRestartsOnce()
    {
        var state = Walk(Planned(true, AtRestart(1), Restart(2), Live(3), HotAdd(4)),
            (new MorphStarted(T0), [new TakeSnapshot("vmorph-m1")]),
            (new SnapshotTaken(T0, "vmorph-m1"), [new Proceed()]),
            (new Proceeded(T0), [new ApplyStep(1)]),
            (new StepApplied(T0, 1), [new ApplyStep(2)]),
            (new StepApplied(T0, 2), [new ApplyStep(3)]),
            (new StepApplied(T0, 3), [new ApplyStep(4)]),
            (new StepApplied(T0, 4), [new StartObservation(T0.AddMinutes(10))]),
            (new ObservationEnded(T0.AddMinutes(10), Degraded), [new RecordVerdict(Degraded), new InvertStep(4)]),
            (new InverseApplied(T0, 4), [new InvertStep(3)]),
            (new InverseApplied(T0, 3), [new InvertStep(1)]),
            (new InverseApplied(T0, 1), [new RestartVm()]),
            (new Restarted(T0), [new DeleteSnapshot("vmorph-m1"), new ReleaseLease()]));
        Assert.Equal(MorphPhase.RolledBack, state.Phase);
        Assert.Equal("the guard found the VM degraded: roll back: cpu.saturation degraded", state.RollbackReason);
        Assert.Same(Degraded, state.Verdict);
    }

    [Fact]
    public void RestartModeStepsThatNeverReachedTheVm_AreUndoneWithoutARestart()
    {
        Assert.Equal(
            [new RollbackOperation(RollbackOperationKind.InvertStep, 1)],
            RollbackOperation.Sequence([AtRestart(1), Restart(2), Live(3)], 1).ToArray());
        Assert.Equal(
            [new RollbackOperation(RollbackOperationKind.InvertStep, 1), new RollbackOperation(RollbackOperationKind.RestartVm)],
            RollbackOperation.Sequence([AtRestart(1), Restart(2), Live(3)], 2).ToArray());
        Assert.Empty(RollbackOperation.Sequence([Live(1)], 0));
    }

    [Fact]
    public void GrowDiskApplied_RollsBackByRevertingTheSnapshot_AndSaysWhatIsDiscarded()
    {
        var state = Walk(Planned(true, Grow(1), Live(2)),
            (new MorphStarted(T0), [new TakeSnapshot("vmorph-m1")]),
            (new SnapshotTaken(T0.AddSeconds(1), "vmorph-m1"), [new Proceed()]),
            (new Proceeded(T0.AddSeconds(1)), [new ApplyStep(1)]),
            (new StepApplied(T0.AddSeconds(2), 1), [new ApplyStep(2)]));
        const string discarding = "everything VM 5f1c0c6e-8a0b-4c52-9d1e-3c2b7a9e4f10 wrote to its memory and disks since snapshot vmorph-m1 was taken at 2025-01-06 10:00:01Z (files, database commits, logs and sessions of that time)";
        state = Walk(state,
            (new StepFailed(T0.AddSeconds(3), 2, "guest agent timed out"), [new RevertSnapshot("vmorph-m1", discarding)]),
            (new Reverted(T0.AddSeconds(6)), [new DeleteSnapshot("vmorph-m1"), new ReleaseLease()]));
        Assert.Equal(MorphPhase.RolledBack, state.Phase);
        Assert.Equal(discarding, state.Discarded);
    }

    [Fact]
    public void InverseFailed_FallsBackToTheSnapshot_AndARevertFailureNeedsAPerson()
    {
        var state = Walk(Planned(true, Live(1), HotAdd(2)),
            (new MorphStarted(T0), [new TakeSnapshot("vmorph-m1")]),
            (new SnapshotTaken(T0, "vmorph-m1"), [new Proceed()]),
            (new Proceeded(T0), [new ApplyStep(1)]),
            (new StepApplied(T0, 1), [new ApplyStep(2)]),
            (new StepFailed(T0, 2, "no"), [new InvertStep(2)]));
        var revert = MorphMachine.Next(state, new InverseFailed(T0, 2, "still no"));
        Assert.IsType<RevertSnapshot>(Assert.Single(revert.Actions));
        Assert.Equal("step 2 failed: no; then the inverse of step 2 failed: still no, so the snapshot is reverted", revert.State.RollbackReason);
        var failed = MorphMachine.Next(revert.State, new RevertFailed(T0, "Unknown savevm section"));
        Assert.Equal(MorphPhase.Failed, failed.State.Phase);
        var mark = Assert.IsType<MarkFailed>(Assert.Single(failed.Actions)); // the lease is kept: no ReleaseLease
        Assert.StartsWith("could not revert snapshot vmorph-m1: Unknown savevm section; the VM may be between configurations", mark.Reason, StringComparison.Ordinal);
        var resolved = MorphMachine.Next(MorphMachine.Next(failed.State, new Finalized(T0)).State, new Resolved(T0, "reverted by hand"));
        Assert.Equal([new ReleaseLease()], resolved.Actions.ToArray());
        Assert.Equal("reverted by hand", resolved.State.Resolution);
    }

    [Fact]
    public void InverseFailedWithoutASnapshot_Fails()
    {
        var state = Walk(Planned(false, Live(1)),
            (new MorphStarted(T0), [new ApplyStep(1)]),
            (new StepFailed(T0, 1, "x"), [new InvertStep(1)]));
        var failed = MorphMachine.Next(state, new InverseFailed(T0, 1, "y"));
        Assert.Equal(MorphPhase.Failed, failed.State.Phase);
        Assert.Equal($"the inverse of step 1 failed: y while rolling back because step 1 failed: x, and there is no snapshot to fall back to; the VM may be between configurations: compare it with configuration {new string('a', 12)}", failed.State.FailureReason);
    }

    [Fact]
    public void SnapshotFailed_ChangesNothingAndNeedsAPerson()
    {
        var t = MorphMachine.Next(MorphMachine.Next(Planned(true, Grow(1)), new MorphStarted(T0)).State, new SnapshotFailed(T0, "no space left"));
        Assert.Equal(MorphPhase.Failed, t.State.Phase);
        Assert.Equal([new DeleteSnapshot("vmorph-m1"), new MarkFailed("could not take snapshot vmorph-m1: no space left; nothing was changed, the VM still has its configuration from before the morph")], t.Actions.ToArray());
    }

    [Fact]
    public void RollbackRequested_UndoesOnlyWhatWasApplied()
    {
        var planned = Planned(true, Live(1), Live(2), Live(3));
        Assert.Equal([new ReleaseLease()], MorphMachine.Next(planned, new RollbackRequested(T0, "operator")).Actions.ToArray());

        var snapshotted = Walk(planned, (new MorphStarted(T0), [new TakeSnapshot("vmorph-m1")]), (new SnapshotTaken(T0, "vmorph-m1"), [new Proceed()]));
        Assert.Equal([new DeleteSnapshot("vmorph-m1"), new ReleaseLease()], MorphMachine.Next(snapshotted, new RollbackRequested(T0, "operator")).Actions.ToArray());

        var applying2 = Walk(snapshotted, (new Proceeded(T0), [new ApplyStep(1)]), (new StepApplied(T0, 1), [new ApplyStep(2)]));
        Assert.Equal([new InvertStep(1)], MorphMachine.Next(applying2, new RollbackRequested(T0, "operator")).Actions.ToArray());

        var observing = Walk(applying2, (new StepApplied(T0, 2), [new ApplyStep(3)]), (new StepApplied(T0, 3), [new StartObservation(T0.AddMinutes(10))]));
        Assert.Equal([new InvertStep(3)], MorphMachine.Next(observing, new RollbackRequested(T0, "operator")).Actions.ToArray());
    }

    [Fact]
    public void DegradationSeen_ObservesASecondWindow_ThenCommitsWhenItPassed()
    {
        var observing = Reach("observing");
        var confirming = Walk(observing, (new DegradationSeen(T0.AddMinutes(10), Degraded, T0.AddMinutes(20)), [new StartObservation(T0.AddMinutes(20))]));
        Assert.Equal(MorphPhase.Observing, confirming.Phase);
        Assert.Same(Degraded, confirming.Unconfirmed);
        Assert.Equal(T0.AddMinutes(20), confirming.ObservingUntil);
        Assert.StartsWith("confirming a degradation until ", confirming.Describe(), StringComparison.Ordinal);

        var committed = Walk(confirming, (new ObservationEnded(T0.AddMinutes(20), Keep), [new RecordVerdict(Keep), new Commit(new string('b', 64)), new DeleteSnapshot("vmorph-m1"), new ReleaseLease()]));
        Assert.Equal(MorphPhase.Committed, committed.Phase);
        Assert.Same(Keep, committed.Verdict);
    }

    [Fact]
    public void DegradationSeen_ConfirmedInTheSecondWindow_RollsBack_AndIsNeverConfirmedTwice()
    {
        var confirming = MorphMachine.Next(Reach("observing"), new DegradationSeen(T0.AddMinutes(10), Degraded, T0.AddMinutes(20))).State;
        Assert.Throws<InvalidOperationException>(() => MorphMachine.Next(confirming, new DegradationSeen(T0.AddMinutes(20), Degraded, T0.AddMinutes(30))));
        Assert.Throws<InvalidOperationException>(() => MorphMachine.Next(Reach("observing"), new DegradationSeen(T0.AddMinutes(10), Keep, T0.AddMinutes(20))));

        var rolling = Walk(confirming, (new ObservationEnded(T0.AddMinutes(20), Degraded), [new RecordVerdict(Degraded), new InvertStep(3)]));
        Assert.Equal(MorphPhase.RollingBack, rolling.Phase);
        Assert.StartsWith("the guard found the VM degraded: ", rolling.RollbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void CrashWhileConfirming_ObservesAgainAsTheConfirmation()
    {
        var confirming = MorphMachine.Next(Reach("observing"), new DegradationSeen(T0.AddMinutes(10), Degraded, T0.AddMinutes(20))).State;
        Assert.Equal(RecoveryAction.Resume, MorphRecovery.Decide(confirming).Action);
        var later = T0.AddHours(1);
        var resumed = Walk(confirming, (new ResumedAfterCrash(later), [new StartObservation(later.AddMinutes(10))]));
        Assert.Same(Degraded, resumed.Unconfirmed);
        Assert.Equal(MorphPhase.RollingBack, MorphMachine.Next(resumed, new ObservationEnded(later.AddMinutes(10), Degraded)).State.Phase);
    }

    [Fact]
    public void AnEventThatCannotHappen_IsABugAndThrows()
    {
        var applying = MorphMachine.Next(Planned(false, Live(1), Live(2)), new MorphStarted(T0)).State;
        var e = Assert.Throws<InvalidOperationException>(() => MorphMachine.Next(applying, new StepApplied(T0, 2)));
        Assert.Equal("morph m1 (applying step 1 of 2) cannot take event StepApplied(step 2); the engine fed an event that cannot happen here", e.Message);
        Assert.Throws<InvalidOperationException>(() => MorphMachine.Next(applying, new Reverted(T0)));
    }

    public static TheoryData<string> CrashPoints() => ["planned", "snapshotting", "snapshotted", "applying-1", "applying-3", "observing", "rolling-back", "committed", "committed-finalized", "rolled-back", "failed"];

    /// <summary>Reaches a named state of a 3-step morph with a snapshot.</summary>
    private static MorphState Reach(string name)
    {
        var s = Planned(true, Live(1), HotAdd(2), Live(3));
        MorphState Feed(params MorphEvent[] events) => events.Aggregate(s, (state, e) => MorphMachine.Next(state, e).State);
        return name switch
        {
            "planned" => s,
            "snapshotting" => Feed(new MorphStarted(T0)),
            "snapshotted" => Feed(new MorphStarted(T0), new SnapshotTaken(T0, "vmorph-m1")),
            "applying-1" => Feed(new MorphStarted(T0), new SnapshotTaken(T0, "vmorph-m1"), new Proceeded(T0)),
            "applying-3" => Feed(new MorphStarted(T0), new SnapshotTaken(T0, "vmorph-m1"), new Proceeded(T0), new StepApplied(T0, 1), new StepApplied(T0, 2)),
            "observing" => Feed(new MorphStarted(T0), new SnapshotTaken(T0, "vmorph-m1"), new Proceeded(T0), new StepApplied(T0, 1), new StepApplied(T0, 2), new StepApplied(T0, 3)),
            "rolling-back" => Feed(new MorphStarted(T0), new SnapshotTaken(T0, "vmorph-m1"), new Proceeded(T0), new StepApplied(T0, 1), new StepFailed(T0, 2, "x"), new InverseApplied(T0, 2)),
            "committed" => Feed(new MorphStarted(T0), new SnapshotTaken(T0, "vmorph-m1"), new Proceeded(T0), new StepApplied(T0, 1), new StepApplied(T0, 2), new StepApplied(T0, 3), new ObservationEnded(T0, Keep)),
            "committed-finalized" => Feed(new MorphStarted(T0), new SnapshotTaken(T0, "vmorph-m1"), new Proceeded(T0), new StepApplied(T0, 1), new StepApplied(T0, 2), new StepApplied(T0, 3), new ObservationEnded(T0, Keep), new Finalized(T0)),
            "rolled-back" => Feed(new RollbackRequested(T0, "operator")),
            "failed" => Feed(new MorphStarted(T0), new SnapshotFailed(T0, "disk full")),
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public void CrashInAnyState_RecoveryDecidesAndTheMachineDoesExactlyThat(string point)
    {
        var state = Reach(point);
        var decision = MorphRecovery.Decide(state);
        var later = T0.AddHours(1);
        var t = MorphMachine.Next(state, new ResumedAfterCrash(later));
        MorphAction[] expected = (point, decision.Action) switch
        {
            ("planned", RecoveryAction.Resume) => [new TakeSnapshot("vmorph-m1")],
            ("snapshotting", RecoveryAction.Resume) => [new TakeSnapshot("vmorph-m1")],
            ("snapshotted", RecoveryAction.Resume) => [new Proceed()],
            ("applying-1", RecoveryAction.RollBack) => [new InvertStep(1)],
            ("applying-3", RecoveryAction.RollBack) => [new InvertStep(3)],
            ("observing", RecoveryAction.Resume) => [new StartObservation(later.AddMinutes(10))],
            ("rolling-back", RecoveryAction.Resume) => [new InvertStep(1)],
            ("committed", RecoveryAction.FinishCleanUp) => [new Commit(new string('b', 64)), new DeleteSnapshot("vmorph-m1"), new ReleaseLease()],
            ("committed-finalized", RecoveryAction.Nothing) => [],
            ("rolled-back", RecoveryAction.FinishCleanUp) => [new ReleaseLease()],
            ("failed", RecoveryAction.NeedsPerson) => [new MarkFailed(state.FailureReason!)],
            _ => throw new Xunit.Sdk.XunitException($"unexpected decision {decision.Action} in {point}: {decision.Reason}"),
        };
        Assert.Equal(expected, t.Actions.ToArray());
        if (decision.Action == RecoveryAction.RollBack) Assert.Equal(MorphPhase.RollingBack, t.State.Phase);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
    }

    [Fact]
    public void CrashWhileApplying_RollsBackIncludingTheStepInFlight()
    {
        var t = MorphMachine.Next(Reach("applying-3"), new ResumedAfterCrash(T0));
        Assert.Equal(
            [new RollbackOperation(RollbackOperationKind.InvertStep, 3), new RollbackOperation(RollbackOperationKind.InvertStep, 2), new RollbackOperation(RollbackOperationKind.InvertStep, 1), new RollbackOperation(RollbackOperationKind.RestartVm)],
            t.State.Rollback.ToArray());
        Assert.Equal("vmorph stopped while step 3 of 3 was being applied, so the VM may be between configurations; rolling back to the configuration before the morph, which is known", t.State.RollbackReason);
    }

    [Fact]
    public void Journal_EveryEntryRoundTripsThroughJson()
    {
        var verdict = DegradationGuard.Judge(
            [.. Enumerable.Range(0, 20).Select(i => new GuardSample { At = T0.AddSeconds(i), CpuUtilisation = 0.3 + i % 3 * 0.01 })],
            [.. Enumerable.Range(0, 20).Select(i => new GuardSample { At = T0.AddSeconds(100 + i), CpuUtilisation = 0.97 + i % 2 * 0.01 })]);
        var entry = MorphJournalEntry.First(Reach("planned").Definition, T0);
        var entries = new List<MorphJournalEntry> { entry };
        foreach (var e in new MorphEvent[]
                 {
                     new MorphStarted(T0), new SnapshotTaken(T0, "vmorph-m1"), new Proceeded(T0), new StepApplied(T0, 1), new StepApplied(T0, 2), new StepApplied(T0, 3),
                     new DegradationSeen(T0, verdict, T0.AddMinutes(10)), new ObservationEnded(T0, verdict), new InverseApplied(T0, 3), new InverseApplied(T0, 2), new InverseApplied(T0, 1), new Restarted(T0), new Finalized(T0),
                 })
            entries.Add(entry = entry.Next(e));
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
        foreach (var original in entries)
        {
            var json = original.ToJson();
            var back = MorphJournalEntry.FromJson(json);
            Assert.True(back.IsSuccess, string.Join("; ", back.Errors));
            Assert.Equal(json, back.Value.ToJson());
        }
        Assert.Contains("\"type\":\"degradation-seen\"", entries[7].ToJson(), StringComparison.Ordinal);
        Assert.Contains("\"type\":\"observation-ended\"", entries[8].ToJson(), StringComparison.Ordinal);
        Assert.Equal(MorphPhase.RolledBack, entries[^1].State.Phase);
        Assert.False(MorphJournalEntry.FromJson("{\"sequence\":").IsSuccess);
    }
}
