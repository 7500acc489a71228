using System.Globalization;
using Vmorph.Configuration;
using Vmorph.Guard;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Morphing;

/// <summary>
/// Runs one morph over its journal: writes each entry before carrying out its actions, carries them out through the
/// driver, feeds the event the last one reports, and goes on until the morph ends. Holds the morph's lease (renewed
/// in the background) for as long as it runs. Keeps the entries it knows are in the journal (those given, then each
/// it appends: the journal refuses an entry that does not follow its last one), so it never reads them back.
/// </summary>
internal sealed class MorphRun(MorphEngine engine, MorphRecord record, Plan plan, ApplyOptions apply, IEnumerable<MorphJournalEntry> journaled)
{
    private readonly IMorphJournal journal = engine.Journal;
    private readonly List<MorphJournalEntry> entries = [.. journaled];
    private readonly TimeProvider clock = engine.Clock;
    private MorphBaseline? baseline = record.Baseline;
    private IAsyncDisposable? renewal;
    private bool rollbackFed;

    private string Id => record.MorphId;

    /// <summary>Starts a morph whose last entry is <c>planned</c>: the checks, the baseline, then <c>started</c>.</summary>
    public async Task<MorphOutcome> StartAsync(MorphJournalEntry planned, CancellationTokenSource lost, CancellationToken cancellationToken)
    {
        await using var _ = Renew(lost);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost.Token);
        var token = linked.Token;
        try
        {
            var refusal = await PrepareAsync(token);
            if (refusal is not null) return await FinishAsync(await CancelAsync(planned, refusal, token), token, MorphResult.Refused, refusal);
            if (apply.RollbackRequested.IsCancellationRequested)
            {
                var cancelled = planned.Next(RequestedRollback());
                await AppendAsync(cancelled, token);
                return await FinishAsync(await LoopAsync(cancelled, token), token);
            }
            var started = planned.Next(new MorphStarted(clock.GetUtcNow()));
            await AppendAsync(started, token);
            return await FinishAsync(await LoopAsync(started, token), token);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            return await Stopped("another engine took over its lease");
        }
    }

    /// <summary>Runs a morph from a journal entry that is durable already (after recovery's <c>resumed-after-crash</c>).</summary>
    public async Task<MorphOutcome> ContinueAsync(MorphJournalEntry entry, bool holdsLease, CancellationTokenSource lost, CancellationToken cancellationToken)
    {
        // A finished morph cleaned up while another morph holds the VM does not renew that morph's lease.
        await using var _ = holdsLease ? Renew(lost) : new Stop(this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost.Token);
        try
        {
            return await FinishAsync(await LoopAsync(entry, linked.Token), linked.Token);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            return await Stopped("another engine took over its lease");
        }
    }

    private IAsyncDisposable Renew(CancellationTokenSource lost)
    {
        renewal = engine.Leases.KeepRenewed(record.Vm, Id, lost, message => engine.Say(Id, message, warning: true));
        return new Stop(this);
    }

    private sealed class Stop(MorphRun run) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (run.renewal is { } r)
            {
                run.renewal = null;
                await r.DisposeAsync();
            }
        }
    }

    // Everything that must hold before the first change; a refusal leaves the VM as it is.
    private async Task<string?> PrepareAsync(CancellationToken token)
    {
        var vm = await engine.Host.FindAsync(record.Vm.Value, token);
        if (!vm.IsSuccess) return string.Join("; ", vm.Errors);
        if (!vm.Value.Running) return $"VM '{vm.Value.Name}' is not running; vmorph morphs running VMs (start it, then plan again)";
        var check = await VerifyAsync(vm.Value, token);
        if (check is not null) return check;

        if (plan.Delta.SnapshotRequired)
        {
            var precondition = plan.Delta.SnapshotPreconditions[0];
            var holds = await engine.Driver.CheckAsync(record.Vm, precondition, token);
            if (!holds.IsSuccess) return $"cannot check that the snapshot could be reverted: {string.Join("; ", holds.Errors)}";
            if (!holds.Value)
            {
                if (!apply.RestartFirst && !plan.Delta.RestartRequired)
                    return $"VM '{vm.Value.Name}' had a vCPU hot-added since it started, so a snapshot taken now could not be reverted (LAB.md: \"Unknown savevm section ... cpu_common\"); restart it first, or run again with --restart-first";
                engine.Say(Id, $"VM '{vm.Value.Name}' had a vCPU hot-added since it started: restarting it before the snapshot (its configuration does not change; a snapshot taken after a hot-add could not be reverted){(plan.Delta.RestartRequired ? "; the plan restarts it anyway" : "")}", warning: true);
                var restarted = await engine.Driver.RestartAsync(record.Vm, token);
                if (!restarted.IsSuccess) return $"restarting VM '{vm.Value.Name}' before the snapshot failed: {string.Join("; ", restarted.Errors)}";
                vm = await engine.Host.FindAsync(record.Vm.Value, token);
                if (!vm.IsSuccess) return string.Join("; ", vm.Errors);
                check = await VerifyAsync(vm.Value, token);
                if (check is not null) return check;
            }
        }

        // With a snapshot, the baseline is sampled after it (on `proceed`): a fresh internal snapshot makes the first
        // write to every disk cluster a copy, which a write-heavy guest shows as disk latency for a while, and the
        // guard must compare the steps' effect, not the snapshot's.
        if (!plan.Delta.SnapshotRequired) await SampleBaselineAsync(token);

        // The configuration the morph starts from is a version of the history, so that `rollback` can return to it.
        var history = await engine.History.LoadAsync(record.Vm, token);
        if (history.Current?.ContentHash != plan.BaseHash)
            await engine.History.RecordAsync(record.Vm, record.VmName, plan.BaseConfiguration(), $"configuration before morph {Id} (read by vmorph)", token);
        return null;
    }

    // The guard's baseline: how the VM behaves before the first change (journaled, so recovery observes against it).
    private async Task SampleBaselineAsync(CancellationToken token)
    {
        if (baseline is not null || apply.ObservationWindow <= TimeSpan.Zero || apply.BaselineWindow <= TimeSpan.Zero) return;
        engine.Say(Id, $"sampling the guard's baseline for {Seconds(apply.BaselineWindow)} (one sample every {Seconds(apply.SampleInterval)}{(apply.Probe is null ? "" : ", probing " + apply.Probe.Description)})");
        var window = await engine.Observer.SampleAsync(record.Vm, clock.GetUtcNow() + apply.BaselineWindow, apply.SampleInterval, apply.Probe, apply.RollbackRequested, token);
        baseline = new MorphBaseline(window.From, window.To, apply.SampleInterval, window.Samples, window.Probes, apply.Probe?.Address);
        await journal.SetBaselineAsync(Id, baseline, token);
    }

    private async Task<string?> VerifyAsync(MorphVm vm, CancellationToken token)
    {
        var current = await engine.Planner.CurrentForAsync(vm, plan, token);
        if (!current.IsSuccess) return string.Join("; ", current.Errors);
        var verified = ApplyCheck.Verify(plan, record.Vm, current.Value);
        return verified.IsSuccess ? null : string.Join("\n", verified.Errors);
    }

    private async Task<MorphJournalEntry> CancelAsync(MorphJournalEntry planned, string reason, CancellationToken token)
    {
        var cancelled = planned.Next(new RollbackRequested(clock.GetUtcNow(), "apply refused: " + reason.Split('\n')[0]));
        await AppendAsync(cancelled, token);
        return await LoopAsync(cancelled, token);
    }

    private async Task AppendAsync(MorphJournalEntry entry, CancellationToken token)
    {
        await journal.AppendAsync(entry, token);
        entries.Add(entry);
        if (engine.Options.AfterJournaled is { } hook) await hook(entry);
    }

    private bool RollbackWanted(MorphJournalEntry entry) =>
        !rollbackFed && apply.RollbackRequested.IsCancellationRequested &&
        entry.State.Phase is MorphPhase.Planned or MorphPhase.Snapshotted or MorphPhase.Applying or MorphPhase.Observing;

    private async Task<MorphJournalEntry> LoopAsync(MorphJournalEntry entry, CancellationToken token)
    {
        while (true)
        {
            MorphEvent? next = null;
            if (RollbackWanted(entry))
            {
                next = RequestedRollback();
            }
            else
            {
                foreach (var action in entry.Actions)
                    if (await ExecuteAsync(entry, action, token) is { } reported) next = reported;
                if (next is null)
                {
                    if (entry.State.Phase.IsTerminal())
                    {
                        if (entry.State.Finalized) return entry;
                        next = new Finalized(clock.GetUtcNow());
                    }
                    else if (RollbackWanted(entry)) next = RequestedRollback();
                    else throw new InvalidOperationException($"morph {Id} ({entry.State.Describe()}): its actions reported no event; this is a bug in the engine");
                }
            }
            entry = entry.Next(next);
            await AppendAsync(entry, token);
            Report(entry);
        }
    }

    private RollbackRequested RequestedRollback()
    {
        rollbackFed = true;
        return new RollbackRequested(clock.GetUtcNow(), "a person asked to roll back (Ctrl-C)");
    }

    private void Report(MorphJournalEntry entry)
    {
        var s = entry.State;
        var text = entry.Event switch
        {
            SnapshotTaken t => $"snapshot {t.Name} taken",
            StepApplied a => $"step {a.Step}/{plan.Steps.Length} applied: {Describe(plan.Steps[a.Step - 1])}",
            StepFailed f => $"step {f.Step}/{plan.Steps.Length} failed: {f.Reason}",
            ObservationEnded o => $"guard: {o.Verdict.Reason}",
            DegradationSeen d => $"guard: {d.Verdict.Reason[(d.Verdict.Reason.StartsWith("roll back: ", StringComparison.Ordinal) ? 11 : 0)..]}; confirming it over another {Seconds(d.Until - d.At)} (until {d.Until.UtcDateTime:HH:mm:ss}Z) before rolling back: a workload's phase passes, a degradation the morph caused stays",
            InverseApplied a => $"step {a.Step} undone",
            InverseFailed f => $"undoing step {f.Step} failed: {f.Reason}",
            Restarted => "VM restarted",
            Reverted => "snapshot reverted",
            RollbackRequested r => $"rolling back: {r.Reason}",
            ResumedAfterCrash => $"resumed after a crash: {MorphRecovery.Decide(s).Reason}",
            _ => null,
        };
        if (text is not null) engine.Say(Id, text, entry.Event is StepFailed or InverseFailed or RollbackRequested);
        // Every signal's numbers, not only the deciding one's: what an operator (or a failed test) needs to see why.
        var verdict = entry.Event switch { ObservationEnded o => o.Verdict, DegradationSeen d => d.Verdict, _ => null };
        if (verdict is not null)
            foreach (var signal in verdict.Signals.Where(j => !verdict.Reason.Contains(j.Reason, StringComparison.Ordinal)))
                engine.Say(Id, $"guard:   {signal.Reason}");
        if (s.Phase is MorphPhase.Observing && s.ObservingUntil is { } until && entry.Event is not (ResumedAfterCrash or DegradationSeen))
            engine.Say(Id, $"every step applied; observing until {until.UtcDateTime:HH:mm:ss}Z");
    }

    private static string Describe(PlanStep step) =>
        step.Kind == StepKind.RestartVm ? "restart the VM" : string.Join(", ", step.Changes.Select(PlanRenderer.Change)) + $" ({(step.Channel == StepChannel.Guest ? "guest" : step.Mode == StepMode.Live ? "live" : "restart")})";

    private async Task<MorphEvent?> ExecuteAsync(MorphJournalEntry entry, MorphAction action, CancellationToken token)
    {
        var driver = engine.Driver;
        var vm = record.Vm;
        switch (action)
        {
            case TakeSnapshot t:
            {
                var taken = await driver.TakeSnapshotAsync(vm, t.Name, token);
                return taken.IsSuccess ? new SnapshotTaken(clock.GetUtcNow(), t.Name) : new SnapshotFailed(clock.GetUtcNow(), string.Join("; ", taken.Errors));
            }
            case Proceed:
                await SampleBaselineAsync(token);
                if (apply.RollbackRequested.IsCancellationRequested && !rollbackFed) return null;
                return new Proceeded(clock.GetUtcNow());
            case ApplyStep a:
            {
                var step = plan.Steps[a.Step - 1];
                if (await PreconditionProblemAsync(entry.State, step, token) is { } problem) return new StepFailed(clock.GetUtcNow(), a.Step, problem);
                var done = step.Kind == StepKind.RestartVm
                    ? await driver.RestartAsync(vm, token)
                    : await driver.ApplyAsync(vm, StepOperation.Forward(step), token);
                return done.IsSuccess ? new StepApplied(clock.GetUtcNow(), a.Step) : new StepFailed(clock.GetUtcNow(), a.Step, string.Join("; ", done.Errors));
            }
            case StartObservation o:
                return await ObserveAsync(entry.State, o.Until, token);
            case RecordVerdict verdict:
                await journal.SetVerdictAsync(Id, verdict.Verdict, token);
                return null;
            case InvertStep i:
            {
                var step = plan.Steps[i.Step - 1];
                var done = await driver.ApplyAsync(vm, StepOperation.Inverse(step), token);
                return done.IsSuccess ? new InverseApplied(clock.GetUtcNow(), i.Step) : new InverseFailed(clock.GetUtcNow(), i.Step, string.Join("; ", done.Errors));
            }
            case RestartVm:
            {
                var done = await driver.RestartAsync(vm, token);
                return done.IsSuccess ? new Restarted(clock.GetUtcNow()) : new RestartFailed(clock.GetUtcNow(), string.Join("; ", done.Errors));
            }
            case RevertSnapshot r:
            {
                engine.Say(Id, $"reverting snapshot {r.Name}: this discards {r.Discarding}", warning: true);
                var done = await driver.RevertSnapshotAsync(vm, r.Name, token);
                if (!done.IsSuccess) return new RevertFailed(clock.GetUtcNow(), string.Join("; ", done.Errors));
                await journal.SetDiscardedAsync(Id, r.Discarding, token);
                return new Reverted(clock.GetUtcNow());
            }
            case Commit:
                await CommitAsync(token);
                return null;
            case DeleteSnapshot d:
            {
                var deleted = await driver.DeleteSnapshotAsync(vm, d.Name, token);
                if (!deleted.IsSuccess) engine.Say(Id, $"could not delete snapshot {d.Name}: {string.Join("; ", deleted.Errors)}; delete it by hand (virsh snapshot-delete)", warning: true);
                return null;
            }
            case MarkFailed f:
                engine.Say(Id, $"FAILED, a person must look: {f.Reason}; when the VM is put right: vmorph recover --resolve {Id} --note 'what was done'", warning: true);
                return null;
            case ReleaseLease:
                if (entry.State.Phase == MorphPhase.RolledBack) await RecordRolledBackAsync(token);
                if (renewal is { } keeping)
                {
                    renewal = null;
                    await keeping.DisposeAsync();
                }
                await engine.Leases.ReleaseAsync(vm, Id, token);
                return null;
            default:
                throw new InvalidOperationException($"morph {Id}: unknown action {action.GetType().Name}");
        }
    }

    private async Task<string?> PreconditionProblemAsync(MorphState state, PlanStep step, CancellationToken token)
    {
        // The configuration the plan expects just before this step: every precondition the planner wrote holds on it.
        var before = plan.Steps.Take(step.Index - 1).Aggregate(plan.BaseConfiguration(), (c, s) => ConfigurationEditor.Apply(c, s.Changes));
        foreach (var p in step.Preconditions)
        {
            if (p.Kind == PreconditionKind.SnapshotTaken)
            {
                if (state.Snapshot is null) return $"precondition: {p.Description}, but there is none";
                continue;
            }
            if (p.HoldsOn(before) is { } holds)
            {
                if (!holds) return $"precondition: {p.Description} does not hold";
                continue;
            }
            var checkedByDriver = await engine.Driver.CheckAsync(record.Vm, p, token);
            if (!checkedByDriver.IsSuccess) return $"precondition: {p.Description}: {string.Join("; ", checkedByDriver.Errors)}";
            if (!checkedByDriver.Value) return $"precondition: {p.Description} does not hold";
        }
        return null;
    }

    private async Task<MorphEvent?> ObserveAsync(MorphState state, DateTimeOffset until, CancellationToken token)
    {
        var interval = baseline?.SampleInterval ?? apply.SampleInterval;
        var window = await engine.Observer.SampleAsync(record.Vm, until, interval, apply.Probe, apply.RollbackRequested, token);
        if (apply.RollbackRequested.IsCancellationRequested && !rollbackFed) return null;
        var policy = apply.Policy with { Window = until - window.From > TimeSpan.Zero ? until - window.From : apply.Policy.Window };
        var verdict = MorphObserver.Judge(baseline, window, policy);
        if (window.FailedReadings > 0) engine.Say(Id, $"{window.FailedReadings} reading(s) of the VM's statistics failed during the window", warning: true);
        var (settled, differences) = await SettleAsync(plan.ExpectedConfiguration(), token);
        if (!settled)
            verdict = verdict with
            {
                Decision = GuardDecision.RollBack,
                Inconclusive = false,
                Reason = $"roll back: after the last step the VM does not have the planned configuration ({differences}); {verdict.Reason}",
            };
        else if (state.Unconfirmed is null && apply.Policy.ConfirmDegradation && verdict.MayBeAPhase())
            return new DegradationSeen(clock.GetUtcNow(), verdict, clock.GetUtcNow() + state.Definition.ObservationWindow);
        if (state.Unconfirmed is { } first)
        {
            var seen = string.Join("; ", first.Signals.Where(s => s.Outcome == SignalOutcome.Degraded).Select(s => s.Reason));
            verdict = verdict with
            {
                Reason = verdict.Decision == GuardDecision.Keep
                    ? $"{verdict.Reason}; the first window's degradation did not persist ({seen})"
                    : $"{verdict.Reason}; confirmed: the first window found it too ({seen})",
            };
        }
        return new ObservationEnded(clock.GetUtcNow(), verdict);
    }

    // Polls until the VM shows the planned configuration (the balloon takes about a second to move the guest's memory).
    private async Task<(bool Settled, string Differences)> SettleAsync(VmConfiguration expected, CancellationToken token)
    {
        var deadline = clock.GetUtcNow() + engine.Options.SettleTimeout;
        var differences = "not read";
        while (true)
        {
            var actual = await ReadCurrentAsync(token);
            if (actual.IsSuccess)
            {
                var diff = Mismatches(expected, actual.Value);
                if (diff.Count == 0) return (true, "");
                differences = string.Join(", ", diff.Select(PlanRenderer.Change));
            }
            else differences = string.Join("; ", actual.Errors);
            if (clock.GetUtcNow() >= deadline) return (false, differences);
            await Task.Delay(engine.Options.SettlePollInterval, clock, token);
        }
    }

    private async Task<Result<VmConfiguration>> ReadCurrentAsync(CancellationToken token)
    {
        var vm = await engine.Host.FindAsync(record.Vm.Value, token);
        return vm.IsSuccess ? await engine.Planner.CurrentForAsync(vm.Value, plan, token) : Result<VmConfiguration>.Fail(vm.Errors);
    }

    /// <summary>How <paramref name="actual"/> differs from <paramref name="expected"/>; a package planned as "installed" matches any installed version.</summary>
    internal static IReadOnlyList<ConfigurationChange> Mismatches(VmConfiguration expected, VmConfiguration actual) =>
        [.. expected.DiffTo(actual).Where(c => !(c.Path.StartsWith("guest.package.", StringComparison.Ordinal) && c.Before == GuestKeys.Installed && c.After is not null))];

    private async Task CommitAsync(CancellationToken token)
    {
        var expected = plan.ExpectedConfiguration();
        var actual = await ReadCurrentAsync(token);
        var confirmed = actual.IsSuccess && Mismatches(expected, actual.Value).Count == 0;
        var configuration = confirmed ? actual.Value : expected;
        if (!confirmed)
            engine.Say(Id, "recording the planned configuration: the VM's could not be read back to confirm it: "
                + (actual.IsSuccess ? string.Join(", ", Mismatches(expected, actual.Value).Select(PlanRenderer.Change)) : string.Join("; ", actual.Errors)), warning: true);
        var cause = record.Kind == MorphKind.Apply ? $"morph {Id} to {record.Target}" : $"morph {Id} to {record.Target} (rollback)";
        var version = await engine.History.RecordAsync(record.Vm, record.VmName, configuration, cause, token);
        await journal.SetCommittedVersionAsync(Id, version, token);
        engine.Say(Id, $"committed: configuration v{version} of VM '{record.VmName}' ({cause})");
    }

    private async Task RecordRolledBackAsync(CancellationToken token)
    {
        // Nothing to check when no step ever started (refused or cancelled before any change).
        if (!entries.Any(e => e.State.Phase == MorphPhase.Applying)) return;
        var (back, differences) = await SettleAsync(plan.BaseConfiguration(), token);
        if (!back)
        {
            engine.Say(Id, $"after the rollback VM '{record.VmName}' does not show the configuration it had before the morph: {differences}; compare it with configuration {plan.BaseHash[..12]}", warning: true);
            return;
        }
        var history = await engine.History.LoadAsync(record.Vm, token);
        if (history.Current is null || history.Current.ContentHash == plan.BaseHash) return;
        // Something recorded a configuration in between (the collector, mid-morph): record that the VM is back.
        await engine.History.RecordAsync(record.Vm, record.VmName, plan.BaseConfiguration(), $"morph {Id} rolled back", token);
    }

    private async Task<MorphOutcome> FinishAsync(MorphJournalEntry last, CancellationToken token, MorphResult? result = null, string? message = null)
    {
        var stored = await journal.FindAsync(Id, token) ?? record;
        var timings = MorphTimings.From(entries);
        var s = last.State;
        var outcome = result ?? s.Phase switch
        {
            MorphPhase.Committed => MorphResult.Committed,
            MorphPhase.RolledBack => MorphResult.RolledBack,
            MorphPhase.Failed => MorphResult.Failed,
            _ => MorphResult.Stopped,
        };
        var text = message ?? s.Phase switch
        {
            MorphPhase.Committed => $"morph {Id} committed: VM '{record.VmName}' is at configuration v{stored.CommittedVersion} ({record.Target})" + (s.Verdict is { } v ? $"; guard: {v.Reason}" : ""),
            MorphPhase.RolledBack => $"morph {Id} rolled back: {s.RollbackReason}" + (s.Discarded is { } d ? $"; the snapshot revert discarded {d}" : ""),
            MorphPhase.Failed => $"morph {Id} FAILED and needs a person: {s.FailureReason}",
            _ => $"morph {Id} stopped at {s.Describe()}",
        };
        return new MorphOutcome(outcome, text, stored, last, timings);
    }

    private async Task<MorphOutcome> Stopped(string why)
    {
        var stored = await journal.FindAsync(Id, CancellationToken.None) ?? record;
        return new MorphOutcome(MorphResult.Stopped, $"morph {Id} stopped at {stored.Phase.ToString().ToLowerInvariant()}: {why}; its journal says where it is, and the engine that holds it finishes it", stored);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}
