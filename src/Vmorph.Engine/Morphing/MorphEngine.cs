using System.Globalization;
using System.Security.Cryptography;
using Vmorph.Identity;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Profiles;
using Vmorph.Store;

namespace Vmorph.Morphing;

/// <summary>
/// The seed's <c>MorphVM</c> for real: applies plans to VMs as durable state machines (<see cref="MorphMachine"/>)
/// whose every state is journaled before its actions run, one morph per VM at a time through a lease in the store,
/// with the guard watching a window after the last step; recovers unfinished morphs after a crash or kill (resuming or
/// rolling back, <see cref="MorphRecovery"/>); plans the way back to any committed configuration version; and records
/// committed configurations in the VM's <c>ConfigurationHistory</c>.
/// </summary>
public sealed class MorphEngine
{
    /// <summary>Creates an engine over its ports.</summary>
    /// <param name="journal">Morph records, journals and leases.</param>
    /// <param name="store">The fleet store (profiles and configuration history).</param>
    /// <param name="driver">Carries out actions on the VM.</param>
    /// <param name="host">Reads VMs, their guest settings and counters.</param>
    /// <param name="clock">All time and waiting.</param>
    /// <param name="options">How it works.</param>
    /// <param name="owner">Its lease-owner identity (default: this process, <see cref="LeaseOwner.Current"/>).</param>
    public MorphEngine(IMorphJournal journal, IFleetStore store, IMorphDriver driver, IMorphHost host, TimeProvider clock, MorphEngineOptions options, string? owner = null)
    {
        Journal = journal;
        Driver = driver;
        Host = host;
        Clock = clock;
        Options = options;
        Leases = new LeaseKeeper(journal, clock, options, owner ?? LeaseOwner.Current);
        Planner = new MorphPlanner(host, options.Host, clock);
        Observer = new MorphObserver(host, clock);
        History = new MorphHistory(store, clock, "libvirt:" + host.Uri);
    }

    /// <summary>Plans morphs and reads VMs the way plans are checked.</summary>
    public MorphPlanner Planner { get; }

    internal IMorphJournal Journal { get; }

    internal IMorphDriver Driver { get; }

    internal IMorphHost Host { get; }

    internal TimeProvider Clock { get; }

    internal MorphEngineOptions Options { get; }

    internal LeaseKeeper Leases { get; }

    internal MorphObserver Observer { get; }

    internal MorphHistory History { get; }

    internal void Say(string morphId, string message, bool warning = false) =>
        Options.Progress?.Invoke(new MorphProgress(Clock.GetUtcNow(), morphId, message, warning));

    /// <summary>
    /// Applies a plan: checks the VM still has the plan's base configuration, takes the VM's lease (or waits for it,
    /// or is refused with the holder's id), journals the morph, samples the guard's baseline, and runs the state
    /// machine to its end.
    /// </summary>
    public async Task<MorphOutcome> ApplyAsync(Plan plan, MorphKind kind, ApplyOptions apply, CancellationToken cancellationToken)
    {
        var invalid = apply.Validate();
        if (invalid.Count > 0) return new MorphOutcome(MorphResult.Refused, string.Join("; ", invalid));
        if (!plan.HasChanges) return new MorphOutcome(MorphResult.NoChanges, $"no changes: VM '{plan.VmName}' already has the configuration of {plan.TargetProfile}");

        // Fail fast, before anything is journaled; the run checks again once it holds the lease. While another morph
        // holds the VM its configuration may be moving, so then only the lease is asked for (refused or waited for).
        var vm = await Host.FindAsync(plan.Vm.Value, cancellationToken);
        if (!vm.IsSuccess) return new MorphOutcome(MorphResult.Refused, string.Join("; ", vm.Errors));
        if (await Journal.LeaseAsync(plan.Vm, cancellationToken) is null)
        {
            if (!vm.Value.Running) return new MorphOutcome(MorphResult.Refused, $"VM '{vm.Value.Name}' is not running; vmorph morphs running VMs (start it, then plan again)");
            var current = await Planner.CurrentForAsync(vm.Value, plan, cancellationToken);
            if (!current.IsSuccess) return new MorphOutcome(MorphResult.Refused, string.Join("; ", current.Errors));
            var verified = ApplyCheck.Verify(plan, vm.Value.Id, current.Value);
            if (!verified.IsSuccess) return new MorphOutcome(MorphResult.Refused, string.Join("\n", verified.Errors));
        }

        // A morph id is the time to the second and random bytes; a replay's wave creates thousands within one replayed
        // second, so an id already in the journal is drawn again (the lease is taken under the new id).
        for (var attempt = 1; ; attempt++)
        {
            var morphId = NewMorphId();
            var busy = await AcquireAsync(plan.Vm, morphId, apply.Wait, cancellationToken);
            if (busy is not null) return new MorphOutcome(MorphResult.Busy, busy);

            var record = new MorphRecord
            {
                MorphId = morphId,
                Vm = plan.Vm,
                VmName = vm.Value.Name,
                Kind = kind,
                Target = plan.TargetProfile,
                PlanId = plan.Id,
                PlanJson = PlanFile.Save(plan),
                CreatedAt = Clock.GetUtcNow(),
                Owner = Leases.Owner,
                Notes = apply.Notes.Count == 0 ? null : string.Join("\n", apply.Notes),
            };
            var first = MorphJournalEntry.First(MorphDefinition.For(plan, morphId, apply.ObservationWindow), record.CreatedAt);
            try
            {
                await Journal.CreateAsync(record with { UpdatedAt = record.CreatedAt, LastSequence = 1 }, first, cancellationToken);
            }
            catch (JournalConflictException) when (attempt < 3)
            {
                await Leases.ReleaseAsync(plan.Vm, morphId, CancellationToken.None);
                continue;
            }
            catch
            {
                await Leases.ReleaseAsync(plan.Vm, morphId, CancellationToken.None);
                throw;
            }
            Say(morphId, $"morph {morphId} of VM '{record.VmName}' to {record.Target}: plan {plan.Id}, {plan.Steps.Length} step(s){(plan.Delta.SnapshotRequired ? ", snapshot first" : "")}");
            if (Options.AfterJournaled is { } hook) await hook(first);
            using var lost = new CancellationTokenSource();
            return await new MorphRun(this, record, plan, apply, [first]).StartAsync(first, lost, cancellationToken);
        }
    }

    /// <summary>
    /// Takes the VM's lease for a new morph. Null when taken; otherwise why not. An unfinished morph whose owner is gone
    /// is recovered first; with <paramref name="wait"/>, a running one is waited for, polling.
    /// </summary>
    private async Task<string?> AcquireAsync(VmId vm, string morphId, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var deadline = Clock.GetUtcNow() + (wait ?? TimeSpan.Zero);
        var told = false;
        while (true)
        {
            var busy = await Leases.TryAcquireAsync(vm, morphId, cancellationToken);
            if (busy is null) return null;
            var cleared = await ClearAsync(busy.Lease, cancellationToken);
            if (cleared is null) continue;
            if (wait is null) return cleared + "; or run again with --wait to wait for it";
            if (Clock.GetUtcNow() >= deadline) return $"{cleared}; waited {wait.Value.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s";
            if (!told)
            {
                Say(morphId, $"waiting: {cleared}");
                told = true;
            }
            await Task.Delay(Options.LeasePollInterval, Clock, cancellationToken);
        }
    }

    /// <summary>
    /// Waits until no morph holds the VM (recovering one whose owner is gone), up to <paramref name="wait"/>: for
    /// planning after another morph rather than against a VM that is still moving. Null when free; otherwise why not.
    /// </summary>
    public async Task<string?> WaitUntilFreeAsync(VmId vm, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = Clock.GetUtcNow() + wait;
        var told = false;
        while (true)
        {
            var lease = await Journal.LeaseAsync(vm, cancellationToken);
            if (lease is null) return null;
            var busy = await ClearAsync(lease, cancellationToken);
            if (busy is null) continue;
            if (Clock.GetUtcNow() >= deadline) return $"{busy}; waited {wait.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s";
            if (!told)
            {
                Say(lease.MorphId, $"waiting: {busy}");
                told = true;
            }
            await Task.Delay(Options.LeasePollInterval, Clock, cancellationToken);
        }
    }

    // Null when the lease's holder was dealt with (recovered, or its stale lease removed); otherwise why the VM is busy.
    private async Task<string?> ClearAsync(MorphLease lease, CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        var ownerGone = lease.IsExpired(now) || LeaseOwner.IsGone(lease.Owner);
        var holder = await Journal.FindAsync(lease.MorphId, cancellationToken);
        if (holder is null || (holder.Finished && holder.Phase != MorphPhase.Failed))
        {
            // A lease left behind by a morph that ended (or was never journaled): remove it once its owner is gone.
            if (ownerGone && await Journal.TryDeleteLeaseAsync(lease.Vm, lease.MorphId, lease.Version, cancellationToken)) return null;
            return ownerGone ? null : $"VM {lease.Vm} is being morphed by morph {lease.MorphId} (owner {lease.Owner})";
        }
        if (holder.Phase == MorphPhase.Failed)
            return $"VM '{holder.VmName}' is held by morph {holder.MorphId}, which failed and needs a person: {(await Journal.ReadAsync(holder.MorphId, cancellationToken))[^1].State.FailureReason}; "
                + $"put the VM right, then: vmorph recover --resolve {holder.MorphId} --note 'what was done'";
        if (ownerGone)
        {
            Say(holder.MorphId, $"VM '{holder.VmName}' has an unfinished morph {holder.MorphId} ({holder.Phase.ToString().ToLowerInvariant()}) whose owner {lease.Owner} is gone: recovering it first");
            await RecoverOneAsync(holder, cancellationToken);
            return null;
        }
        return $"VM '{holder.VmName}' is being morphed by morph {holder.MorphId} (owner {lease.Owner}, {holder.Phase.ToString().ToLowerInvariant()}, lease until {lease.Expires.UtcDateTime:HH:mm:ss}Z)";
    }

    /// <summary>The morphs whose last entry is not final.</summary>
    public Task<IReadOnlyList<MorphRecord>> UnfinishedAsync(CancellationToken cancellationToken) => Journal.UnfinishedAsync(cancellationToken);

    /// <summary>
    /// Recovers every unfinished morph that no live engine runs (its owner is gone or its lease expired): resumes it or
    /// rolls it back as <see cref="MorphRecovery"/> decides, so its VM ends in a committed configuration. Morphs a live
    /// engine still runs are left to it and reported as busy.
    /// </summary>
    public async Task<IReadOnlyList<MorphOutcome>> RecoverAsync(CancellationToken cancellationToken)
    {
        var outcomes = new List<MorphOutcome>();
        foreach (var morph in await Journal.UnfinishedAsync(cancellationToken))
            outcomes.Add(await RecoverOneAsync(morph, cancellationToken));
        return outcomes;
    }

    private async Task<MorphOutcome> RecoverOneAsync(MorphRecord morph, CancellationToken cancellationToken)
    {
        var taken = await Leases.TakeOverAsync(morph.Vm, morph.MorphId, cancellationToken);
        if (!taken.IsSuccess)
        {
            // A finished morph whose clean-up did not run may find another morph holding the VM: clean up without the lease.
            var lease = await Journal.LeaseAsync(morph.Vm, cancellationToken);
            if (!(lease is not null && lease.MorphId != morph.MorphId && morph.Phase.IsTerminal()))
                return new MorphOutcome(MorphResult.Busy, $"morph {morph.MorphId} of VM '{morph.VmName}' is in progress ({morph.Phase.ToString().ToLowerInvariant()}) in another vmorph; left to it ({string.Join("; ", taken.Errors)})", morph);
        }
        var plan = PlanFile.Load(morph.PlanJson, $"the plan of morph {morph.MorphId}");
        if (!plan.IsSuccess) return new MorphOutcome(MorphResult.Failed, string.Join("; ", plan.Errors), morph);
        var entries = await Journal.ReadAsync(morph.MorphId, cancellationToken);
        var last = entries[^1];
        var decision = MorphRecovery.Decide(last);
        // A verdict journaled with its state but not yet stored beside the morph (killed between the two) is stored now.
        if (last.State.Verdict is { } verdict && morph.Verdict is null) await Journal.SetVerdictAsync(morph.MorphId, verdict, cancellationToken);
        Say(morph.MorphId, $"found unfinished morph {morph.MorphId} of VM '{morph.VmName}' to {morph.Target} at {last.State.Describe()}: {decision.Action.ToString().ToLowerInvariant()}: {decision.Reason}", warning: true);
        // The probe the morph was applied with, made again from its stored address (the baseline's probes are compared
        // with the observation's only when both exist).
        IHealthProbe? probe = null;
        if (morph.Baseline?.Probe is { } address)
        {
            probe = Options.ProbeFromAddress?.Invoke(address);
            Say(morph.MorphId, probe is null ? $"the morph was applied with the probe {address}, which cannot be made here: observing without it" : $"probing {probe.Description} as the morph was applied", warning: probe is null);
        }
        var apply = new ApplyOptions
        {
            ObservationWindow = last.State.Definition.ObservationWindow,
            SampleInterval = morph.Baseline?.SampleInterval ?? TimeSpan.FromSeconds(2),
            BaselineWindow = TimeSpan.Zero,
            Probe = probe,
        };
        using var lost = new CancellationTokenSource();
        if (last.State.Phase == MorphPhase.Planned) return await new MorphRun(this, morph, plan.Value, apply, entries).StartAsync(last, lost, cancellationToken);
        var recovered = MorphRecovery.Recover(last, Clock.GetUtcNow());
        await Journal.AppendAsync(recovered, cancellationToken);
        if (Options.AfterJournaled is { } hook) await hook(recovered);
        return await new MorphRun(this, morph, plan.Value, apply, [.. entries, recovered]).ContinueAsync(recovered, taken.IsSuccess, lost, cancellationToken);
    }

    /// <summary>
    /// A person says a failed morph is resolved (the VM was put right by hand): journaled with the note, and the VM's
    /// lease is released so morphs may run again.
    /// </summary>
    public async Task<MorphOutcome> ResolveAsync(string morphId, string note, CancellationToken cancellationToken)
    {
        var morph = await Journal.FindAsync(morphId, cancellationToken);
        if (morph is null) return new MorphOutcome(MorphResult.Refused, $"no morph {morphId}");
        var entries = await Journal.ReadAsync(morph.MorphId, cancellationToken);
        var last = entries[^1];
        if (last.State.Phase != MorphPhase.Failed || last.State.Resolution is not null)
            return new MorphOutcome(MorphResult.Refused, $"morph {morph.MorphId} is {last.State.Describe()}{(last.State.Resolution is null ? "" : " and resolved")}: only a failed morph is resolved by a person", morph, last);
        var taken = await Leases.TakeOverAsync(morph.Vm, morph.MorphId, cancellationToken);
        if (!taken.IsSuccess) return new MorphOutcome(MorphResult.Busy, string.Join("; ", taken.Errors), morph, last);
        var resolved = last.Next(new Resolved(Clock.GetUtcNow(), note));
        await Journal.AppendAsync(resolved, cancellationToken);
        await Leases.ReleaseAsync(morph.Vm, morph.MorphId, cancellationToken);
        return new MorphOutcome(MorphResult.Committed, $"morph {morph.MorphId} resolved by a person ({note}); VM '{morph.VmName}' may be morphed again", morph, resolved);
    }

    /// <summary>
    /// The plan that returns the VM to configuration <paramref name="toVersion"/> of its history, or, without one, to the
    /// configuration its last committed morph started from.
    /// </summary>
    public async Task<Result<Plan>> PlanRollbackAsync(MorphVm vm, int? toVersion, PersonalityProfile? profile, CancellationToken cancellationToken)
    {
        var history = await History.LoadAsync(vm.Id, cancellationToken);
        if (history.Versions.IsEmpty) return Result<Plan>.Fail($"VM '{vm.Name}' has no configuration history yet: nothing to roll back to (vmorph collect records one)");
        var morphs = await Journal.ListAsync(vm.Id, cancellationToken);
        int version;
        if (toVersion is { } wanted) version = wanted;
        else
        {
            var last = morphs.Where(m => m.Phase == MorphPhase.Committed && m.CommittedVersion is not null).OrderBy(m => m.CreatedAt).LastOrDefault();
            if (last is null) return Result<Plan>.Fail($"VM '{vm.Name}' has no committed morph to roll back; name a version: --to-version N (vmorph history {vm.Name} lists them)");
            var lastPlan = PlanFile.Load(last.PlanJson, $"the plan of morph {last.MorphId}");
            if (!lastPlan.IsSuccess) return Result<Plan>.Fail(lastPlan.Errors);
            var before = history.Versions.LastOrDefault(v => v.ContentHash == lastPlan.Value.BaseHash && v.Version < last.CommittedVersion);
            if (before is null) return Result<Plan>.Fail($"the configuration morph {last.MorphId} started from ({lastPlan.Value.BaseHash[..12]}) is not in VM '{vm.Name}''s history; name a version: --to-version N");
            version = before.Version;
        }
        var target = history.Versions.FirstOrDefault(v => v.Version == version);
        if (target is null) return Result<Plan>.Fail($"VM '{vm.Name}' has no configuration version {version}; its history has versions 1 to {history.Versions.Count}");

        // Guest settings: those of that version, and for each changed by a morph committed since, its value before that morph.
        var guest = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in target.Configuration.Guest) guest[key] = value;
        foreach (var m in morphs.Where(m => m.Phase == MorphPhase.Committed && m.CommittedVersion > version).OrderBy(m => m.CommittedVersion))
        {
            var p = PlanFile.Load(m.PlanJson, $"the plan of morph {m.MorphId}");
            if (!p.IsSuccess) continue;
            foreach (var key in MorphPlanner.GuestKeysOf(p.Value))
                if (!guest.ContainsKey(key)) guest[key] = p.Value.Base.GetValueOrDefault("guest." + key);
        }
        return await Planner.PlanBackAsync(vm, target, guest, profile, cancellationToken);
    }

    private string NewMorphId() => Options.NewMorphId is { } make
        ? make(Clock.GetUtcNow())
        : Clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
}
