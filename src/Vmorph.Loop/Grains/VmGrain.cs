using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Guard;
using Vmorph.Identity;
using Vmorph.Loop.Hosting;
using Vmorph.Morphing;
using Vmorph.Observations;
using Vmorph.Planning;
using Vmorph.Policies;
using Vmorph.Profiles;
using Vmorph.Recommenders;
using Vmorph.Store;
using Vmorph.TargetProfiles;
using Vmorph.Traits;
using Vmorph.Triggers;
using Vmorph.Units;

namespace Vmorph.Loop.Grains;

/// <summary>
/// The loop of one VM. Its profile lives in memory (loaded from the store on activation, saved as observations are
/// folded, with the store's version check); its policy's triggers run in a <see cref="PolicyEngine"/> fed with every
/// sample; an intent becomes a plan through the <see cref="MorphingAlgorithm"/> (a right-size target for demand,
/// predictive and scheduled intents; the archetype's target profile for workload detection); the plan is applied by
/// the morph engine over its durable journal on the thread pool, so the guard's window never blocks the grain, and the
/// morph reports back through <see cref="MorphFinishedAsync"/>. A policy that asks for approval parks the plan.
/// </summary>
public sealed partial class VmGrain(LoopServices services, ILogger<VmGrain> logger) : Grain, IVmGrain
{
    private const int MaxSaveAttempts = 3;

    /// <summary>
    /// How many samples are appended to a VM's stored raw window before the store writes it whole again (and drops what
    /// fell out of it): a day of five-minute samples.
    /// </summary>
    internal const int AppendsBetweenCompactions = 288;

    /// <summary>
    /// How many cycles a VM's profile document may go unwritten (six hours of five-minute samples): between, a cycle
    /// appends only its sample, and loading the profile folds the appended samples newer than the document again. The
    /// document is most of what a cycle writes (about 24 KB, against a sample's 96 bytes), so it is written seldom;
    /// folding 72 samples again on a load costs microseconds.
    /// </summary>
    internal const int SamplesBetweenDocuments = 72;

    // The newest samples the grain keeps: those a failed save left unappended go with the next (up to this many), and
    // once saved, the latest.
    private const int NewestKept = 8;

    private readonly EventCounts counters = new();
    private VmId id;
    private PersonalityProfile? profile;
    private long? version;
    // The raw window lives in the store, each new sample appended to it; the grain keeps only the newest few, so that
    // a week-old VM's grain does not hold its week (a policy engine made later reads the window from the store).
    private RecentSamples newest = new(NewestKept);
    private long newestStored = long.MinValue;
    // How many samples the stored window holds (at most its capacity): while no more than the grain keeps, a new engine
    // reads them from the grain rather than from the store.
    private int storedSamples;
    private Cadence compaction;
    private Cadence documents;
    // Replaced whole, never changed in place: most VMs have none, and share one empty set.
    private IReadOnlyDictionary<string, string> labels = NoLabels;
    private IReadOnlyDictionary<string, string> domainLabels = NoLabels;
    private LoopStateDocument document = new();
    private Policy? policy;
    private PolicyEngine? engine;
    private int catalogGeneration = -1;
    private string domainState = "unknown";
    private MetricSample? latest;
    private DateTimeOffset? lastObserved;
    private DecisionView? lastDecision;
    private StoredPlan? pending;
    private string? morphInFlight;
    private DateTimeOffset lastDecided;
    private IGrainTimer? scheduleCheck;
    // The configuration the sink sent last, its tag, and the configuration version it was folded into: while the sink
    // names the same one and nothing else moved the profile's version, folding it again would change nothing stored.
    private VmConfiguration? received;
    private long receivedTag;
    private ConfigurationVersion? receivedFoldedInto;

    private DateTimeOffset Now => services.Clock.GetUtcNow();

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        id = new VmId(this.GetPrimaryKeyString());
        services.Metrics.GrainActivated();
        var stored = (await services.Store.LoadAsync([id], cancellationToken)).GetValueOrDefault(id);
        if (stored is not null) Hold(stored);
        var window = stored is null ? new RecentSamples() : await LoadWindowAsync();
        labels = LabelsOf(await services.Control.LabelsAsync(id, cancellationToken));
        if (await services.Control.LoopStateAsync(id, cancellationToken) is { } json)
            document = JsonSerializer.Deserialize(json, LoopJson.Default.LoopStateDocument) ?? new LoopStateDocument();
        if (document.Gone) domainState = "gone";
        var plans = await services.Control.PlansAsync(id, 0, 1, cancellationToken);
        pending = plans.FirstOrDefault(p => p.State == PlanStates.Pending && p.Origin.StartsWith("trigger:", StringComparison.Ordinal));
        latest = newest.Samples.Count > 0 ? newest.Samples[^1] : null;
        // Spread over the fleet, so that its grains, activated together, do not all compact their windows or write their
        // profile documents in one cycle.
        var spread = PhaseOf(id);
        compaction = new Cadence(AppendsBetweenCompactions, spread);
        documents = new Cadence(SamplesBetweenDocuments, spread);
        await MatchPolicyAsync(window);
        await base.OnActivateAsync(cancellationToken);
    }

    /// <summary>Where a VM's cadences start (<see cref="Cadence"/>): a hash of its VMID, which this process alone keeps.</summary>
    internal static uint PhaseOf(VmId vm) => (uint)vm.Value.GetHashCode();

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        services.Metrics.GrainDeactivated();
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    private string Name => profile?.Name ?? id.Value;

    // The labels policies match: the domain's own (its libvirt metadata), with those set through the API or CLI over them.
    private Dictionary<string, string> EffectiveLabels()
    {
        var all = new Dictionary<string, string>(domainLabels, StringComparer.Ordinal);
        foreach (var (key, value) in labels) all[key] = value;
        return all;
    }

    private string Source => profile?.Source ?? "unknown";

    // ---------------------------------------------------------------- observations

    /// <inheritdoc />
    public async Task<ObservationResult> ObserveAsync(ObservationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Configuration is null && (received is null || receivedTag != message.ConfigurationTag)) return ObservationResult.NeedsConfiguration;
        var sentBefore = message.Configuration is null;
        var observations = message.ToObservations(received);
        (bool Changed, VmCycleReport Report) folded = default;
        for (var attempt = 1; ; attempt++)
        {
            profile ??= new PersonalityProfile(id, message.Name, message.Source, observations.Domain.BaseImage);
            profile.EvidenceHalfLife = services.Catalogs.Archetypes.EvidenceHalfLife;
            var versionsBefore = profile.ConfigurationHistory.Versions.Count;
            var before = (profile.Performance.LastUnixSeconds, profile.BaseImage, profile.GuestViewMissing);
            var configurationFolded = sentBefore && receivedFoldedInto is not null && ReferenceEquals(profile.ConfigurationHistory.Current, receivedFoldedInto);
            folded = ObservationFolder.Fold(observations, profile, newest, services.Settings.AnonymisationKey, message.Uri, foldConfiguration: !configurationFolded);
            if (!folded.Changed && version is not null) break;
            // Only a sample newer than the stored window's newest goes into it, appended (an older one never did).
            List<MetricSample> appended = [.. newest.Samples.Where(s => s.UnixSeconds > newestStored)];
            var compact = appended.Count > 0 && compaction.Due;
            var samplesOnly = !compact && !documents.Due && OnlyNewSamplesFolded(observations, folded.Report, before, appended);
            // Encoded here, in parallel across grains, rather than inside the store's one transaction at a time.
            var update = new ProfileUpdate(profile, version, [.. profile.ConfigurationHistory.Versions.Skip(versionsBefore)], null)
            {
                Appended = appended,
                CompactWindow = compact,
                SamplesOnly = samplesOnly,
                Encoded = samplesOnly ? EncodedProfile.SamplesOf(profile, appended) : EncodedProfile.Of(profile, null, appended),
            };
            try
            {
                await services.Saves.SaveAsync(update);
                if (!samplesOnly) version = IFleetStore.VersionAfterSave(version);
                if (appended.Count > 0)
                {
                    newestStored = appended[^1].UnixSeconds;
                    storedSamples = Math.Min(storedSamples + appended.Count, RecentSamples.DefaultCapacity);
                    newest.KeepNewest(1);
                    compaction.Advance();
                    documents.Advance();
                }
                break;
            }
            catch (ConcurrencyException) when (attempt < MaxSaveAttempts)
            {
                // Another writer (a morph recording its configuration, a consent) saved first: fold into what it saved.
                await ReloadProfileAsync();
            }
        }
        profile.ConfigurationHistory = profile.ConfigurationHistory.Latest();
        received = observations.Domain.Configuration;
        receivedTag = message.ConfigurationTag;
        receivedFoldedInto = profile.ConfigurationHistory.Current;
        services.Metrics.ObservationsFolded.Add(1);
        domainState = Describe(message.State);
        if (!DictionaryEquals(domainLabels, message.DomainLabels))
        {
            domainLabels = LabelsOf(message.DomainLabels);
            catalogGeneration = -1;
            engine = null;
        }
        lastObserved = observations.At;
        if (document.Gone)
        {
            document = document with { Gone = false };
            await SaveDocumentAsync();
        }
        if (observations.Sample is { } sample)
        {
            latest = sample;
            await MatchPolicyAsync();
            engine?.Observe(ToUsage(sample));
            await DecideAtAsync(Now);
        }
        var made = folded.Report.NewVersion;
        if (made is not null) Publish("configuration", $"configuration v{made.Version}: {made.Cause}");
        return new ObservationResult(folded.Report.ConfigurationVersion, made?.Version, made?.ContentHash, made?.Cause,
            made is null ? [] : [.. made.Changes.Select(c => new[] { c.Path, c.Before ?? "", c.After ?? "" })]);
    }

    // Whether this fold changed nothing in the profile but samples that loading it folds again from the appended raw
    // window: each newer than every sample folded before (so folded again in the same order), and none of the fold's
    // other changes (ObservationFolder: a configuration version, missing intervals, the in-guest view, the base image).
    private bool OnlyNewSamplesFolded(VmObservations observations, VmCycleReport report,
        (long? LastUnixSeconds, BaseImageId BaseImage, string? GuestViewMissing) before, List<MetricSample> appended) =>
        version is not null && appended.Count > 0
        && appended.All(s => before.LastUnixSeconds is not { } last || s.UnixSeconds > last)
        && report.NewVersion is null && observations.Missed == 0 && observations.Snapshot is null
        && profile!.BaseImage == before.BaseImage && profile.GuestViewMissing == before.GuestViewMissing;

    private async Task ReloadProfileAsync()
    {
        var stored = (await services.Store.LoadAsync([id], CancellationToken.None)).GetValueOrDefault(id);
        profile = null;
        version = null;
        if (stored is not null) Hold(stored);
        await LoadWindowAsync();
    }

    // The grain holds the profile with its configuration's latest version only: the loop reads and extends no other, the
    // store keeps them all (the API and a rollback read them there), and a VM morphed daily would otherwise hold more
    // versions every day. A fold extends the latest version; an observation older than it is superseded by it.
    private void Hold(StoredProfile stored)
    {
        profile = stored.Profile;
        profile.ConfigurationHistory = profile.ConfigurationHistory.Latest();
        version = stored.Version;
    }

    // The stored raw window; the grain keeps its newest samples and time.
    private async Task<RecentSamples> LoadWindowAsync()
    {
        var window = await services.Store.LoadRecentAsync(id, CancellationToken.None) ?? new RecentSamples();
        newest = new RecentSamples(NewestKept);
        newest.AddRange(window.Samples.TakeLast(1));
        newestStored = window.Samples.Count > 0 ? window.Samples[^1].UnixSeconds : long.MinValue;
        storedSamples = window.Samples.Count;
        return window;
    }

    /// <inheritdoc />
    public async Task MarkGoneAsync()
    {
        if (document.Gone) return;
        document = document with { Gone = true };
        domainState = "gone";
        await SaveDocumentAsync();
        Publish("gone", "the hypervisor no longer lists this VM");
    }

    // Between observations only a schedule can fire: every other trigger reads the samples, and each sample is decided
    // on as it arrives. So only a VM whose policy has schedules keeps a timer (a fleet of 10,000 VMs without schedules
    // has no 10,000 timers firing), and it decides when no observation has just done so.
    private void ArmScheduleCheck()
    {
        var wanted = engine?.Scheduled is not null;
        if (wanted == scheduleCheck is not null) return;
        if (wanted)
        {
            var every = services.Settings.ScheduleCheck;
            scheduleCheck = this.RegisterGrainTimer(ScheduleCheckAsync, new GrainTimerCreationOptions(every, every) { Interleave = false });
        }
        else
        {
            scheduleCheck!.Dispose();
            scheduleCheck = null;
        }
    }

    private Task ScheduleCheckAsync(CancellationToken cancellationToken) =>
        lastDecided + services.Settings.ScheduleCheck <= Now ? DecideAtAsync(Now) : Task.CompletedTask;

    /// <inheritdoc />
    public Task DecideAsync() => DecideAtAsync(Now);

    // ---------------------------------------------------------------- decisions

    // Matches the VM's policy and makes its engine; a new engine reads the raw window (the stored one unless given).
    private async Task MatchPolicyAsync(RecentSamples? window = null)
    {
        await MatchEngineAsync(window);
        ArmScheduleCheck();
    }

    private async Task MatchEngineAsync(RecentSamples? window)
    {
        var catalogs = services.Catalogs;
        if (catalogGeneration == services.CatalogGeneration && engine is not null) return;
        catalogGeneration = services.CatalogGeneration;
        // Only VMs vmorph can morph are governed: an imported trace's VMs are observed, never decided for.
        var effective = EffectiveLabels();
        var matched = services.Backends.For(Source) is null ? null : catalogs.Policies.For(Name, id.Value, effective);
        if (matched is null || Current() is not { } current)
        {
            policy = matched;
            engine = null;
            return;
        }
        if (engine is not null && ReferenceEquals(matched, policy)) return;
        policy = matched;
        engine = new PolicyEngine(matched, new VmContext(id, Name, effective, current, services.Settings.Step), catalogs.Archetypes, grid: RightSizeTarget.Grid,
            // The predictive trigger reads the profile's cycle rings (whichever profile the grain holds then), not a copy.
            cycles: () => profile?.Performance.Cycles,
            // Workload detection reads the whole profile (the in-guest view), not only the usage the engine keeps.
            workloadTraits: () => TraitScorer.Score(profile!, services.Catalogs.Archetypes),
            // One FastTree model for the fleet, trained from the VMs' first weeks, not one a VM.
            fleetModel: services.DemandModels);
        if (document.SchedulesCheckedAt is { } checkedAt) engine.Scheduled?.ResumeFrom(checkedAt);
        // The raw window tells a new engine (after a restart or a new policy) what the VM did lately.
        window ??= storedSamples <= newest.Samples.Count && newest.Samples.All(s => s.UnixSeconds <= newestStored)
            ? newest
            : await services.Store.LoadRecentAsync(id, CancellationToken.None) ?? new RecentSamples();
        foreach (var s in window.Samples.Take(window.Samples.Count - 1)) engine.Observe(ToUsage(s));
    }

    private Allocation? Current()
    {
        var configuration = profile?.ConfigurationHistory.Current?.Configuration;
        if (configuration?.Vcpus is not { } vcpus) return null;
        return new Allocation(vcpus, configuration.Memory is { } m ? m.Bytes / MemorySize.MiB : double.NaN);
    }

    private UsageSample ToUsage(MetricSample s)
    {
        var current = Current() ?? new Allocation(s.CpuAllocated?.Value ?? double.NaN, double.NaN);
        var inForce = new Allocation(s.CpuAllocated?.Value ?? current.Cores, s.MemoryAllocated is { } m ? m.Bytes / MemorySize.MiB : current.MemoryMiB);
        // The triggers size CPU to what the VM wanted (a starved or capped VM received less), where the collector measured it.
        return new UsageSample(s.UnixSeconds, s.CpuWanted?.Value ?? double.NaN, s.Memory is { } used ? used.Bytes / MemorySize.MiB : double.NaN, inForce);
    }

    private async Task DecideAtAsync(DateTimeOffset now)
    {
        lastDecided = now;
        if (engine is null || morphInFlight is not null || document.Gone || Current() is not { } current) return;
        var wanted = engine.Recommend(now.ToUnixTimeSeconds(), current);
        if (engine.Scheduled?.LastEvaluated is { } evaluated && evaluated != document.SchedulesCheckedAt)
        {
            document = document with { SchedulesCheckedAt = evaluated };
            await SaveDocumentAsync();
        }
        var intent = engine.LastIntent;
        var decision = engine.LastDecision;

        // Workload detection names a target profile; it is planned like a person's request, under the policy's approval.
        if (engine.TakeWorkloadIntent() is { TargetProfile: { } profileName } detected)
        {
            await ActOnTargetAsync(detected, profileName, now);
            return;
        }
        if (wanted != current)
        {
            await ActOnAllocationAsync(intent, wanted, current, approved: false, now);
            return;
        }
        if (decision is { Verdict: GateVerdict.AwaitApproval } waiting && intent is not null && !(pending is not null && SameSize(waiting.Target, parkedFor)))
        {
            parkedFor = waiting.Target;
            await ActOnAllocationAsync(intent, waiting.Target, current, approved: false, now, park: true);
            return;
        }
        if (decision is { Verdict: GateVerdict.Defer } held && intent is not null && !ReferenceEquals(decision, recordedHold))
        {
            recordedHold = decision;
            Decided(new DecisionView(now, intent.Trigger.Name(), intent.Reason, "held", held.Rule ?? held.Reason, held.Target.Cores, NullIfNaN(held.Target.MemoryMiB), null, null));
        }
    }

    // The allocation the parked plan asks for: a newer want replaces it only when it asks for another size, or a person
    // could never approve a plan before the next step superseded it.
    private Allocation? parkedFor;

    private static bool SameSize(Allocation wanted, Allocation? parked) =>
        parked is { } p && Math.Ceiling(wanted.Cores - 1e-9) == Math.Ceiling(p.Cores - 1e-9)
        && (!wanted.HasMemory || !p.HasMemory || Math.Abs(wanted.MemoryMiB - p.MemoryMiB) <= 0.1 * p.MemoryMiB);
    private GateDecision? recordedHold;

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, string> LabelsOf(IReadOnlyDictionary<string, string> given) =>
        given.Count == 0 ? NoLabels : new Dictionary<string, string>(given, StringComparer.Ordinal);

    private static bool DictionaryEquals(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static double? NullIfNaN(double x) => double.IsNaN(x) ? null : x;

    private void Decided(DecisionView view)
    {
        lastDecision = view;
        Count($"{view.Trigger}.{view.Verdict}");
        services.Metrics.Decisions.Add(1, new KeyValuePair<string, object?>("trigger", view.Trigger), new KeyValuePair<string, object?>("verdict", view.Verdict));
        Publish("decision", $"{view.Trigger}: {view.Verdict}{(view.Rule is { } r ? $" ({r})" : "")}: {view.Reason}");
    }

    private void Count(string key) => counters.Increment(key);

    // The loop's own (decisions by trigger and verdict) and the policy engine's (schedules fired, gate rules, models).
    private Dictionary<string, long> AllCounters()
    {
        var all = new Dictionary<string, long>(StringComparer.Ordinal);
        counters.CopyTo(all);
        if (engine is not null)
            foreach (var (key, value) in engine.Counters) all["policy." + key] = value;
        return all;
    }

    private async Task ActOnAllocationAsync(MorphIntent? intent, Allocation wanted, Allocation current, bool approved, DateTimeOffset now, bool park = false)
    {
        var trigger = intent?.Trigger.Name() ?? "resource-demand";
        var reason = intent?.Reason ?? "";
        var target = RightSizeTarget.For(wanted, current);
        if (target is null)
        {
            // The engine rounds to RightSizeTarget.Grid before its gate; a bound off the grid can still round back here.
            return;
        }
        var planned = await PlanWithAsync(target, $"trigger:{trigger}", reason, CancellationToken.None);
        if (!planned.Succeeded)
        {
            Decided(new DecisionView(now, trigger, reason, "failed", planned.Message, wanted.Cores, NullIfNaN(wanted.MemoryMiB), target.Name, null));
            return;
        }
        var plan = planned.Value!;
        if (park || policy?.RequireApproval == true && !approved)
        {
            await ParkAsync(plan);
            Decided(new DecisionView(now, trigger, reason, "await-approval", null, wanted.Cores, NullIfNaN(wanted.MemoryMiB), target.Name, plan.Stored.PlanId));
            return;
        }
        Decided(new DecisionView(now, trigger, reason, "apply", null, wanted.Cores, NullIfNaN(wanted.MemoryMiB), target.Name, plan.Stored.PlanId));
        await StartApplyAsync(plan.Plan, plan.Stored, "loop");
    }

    private async Task ActOnTargetAsync(MorphIntent intent, string profileName, DateTimeOffset now)
    {
        var trigger = intent.Trigger.Name();
        var found = services.Catalogs.Targets.Find(profileName);
        if (!found.IsSuccess)
        {
            Decided(Detected(intent, new DecisionView(now, trigger, intent.Reason, "failed", string.Join("; ", found.Errors), null, null, profileName, null)));
            return;
        }
        var planned = await PlanWithAsync(found.Value, $"trigger:{trigger}", intent.Reason, CancellationToken.None);
        if (!planned.Succeeded)
        {
            Decided(Detected(intent, new DecisionView(now, trigger, intent.Reason, "failed", planned.Message, null, null, profileName, null)));
            return;
        }
        var plan = planned.Value!;
        if (policy?.RequireApproval == true)
        {
            await ParkAsync(plan);
            Decided(Detected(intent, new DecisionView(now, trigger, intent.Reason, "await-approval", null, null, null, profileName, plan.Stored.PlanId)));
            return;
        }
        Decided(Detected(intent, new DecisionView(now, trigger, intent.Reason, "apply", null, null, null, profileName, plan.Stored.PlanId)));
        engine?.Gate.Record(now);
        await StartApplyAsync(plan.Plan, plan.Stored, "loop");
    }

    private static DecisionView Detected(MorphIntent intent, DecisionView view) =>
        view with { Archetype = intent.Detected, Confidence = intent.Confidence is { } c ? Math.Round(c, 4) : null };

    private async Task ParkAsync(MadePlan plan)
    {
        if (pending is { } old && old.PlanId != plan.Stored.PlanId)
            await services.Control.SavePlanAsync(old with { State = PlanStates.Superseded }, CancellationToken.None);
        pending = plan.Stored;
        await services.Control.SavePlanAsync(plan.Stored, CancellationToken.None);
        Publish("plan", $"plan {plan.Stored.PlanId} to {plan.Stored.Target} waits for approval: {plan.Stored.Reason}");
    }

    // ---------------------------------------------------------------- plans

    private sealed record MadePlan(Plan Plan, StoredPlan Stored);

    private async Task<LoopResult<MadePlan>> PlanWithAsync(TargetProfile target, string origin, string reason, CancellationToken cancellationToken)
    {
        if (services.Backends.For(Source) is not { } backend)
            return new(LoopStatus.Invalid, $"VM '{Name}' comes from {Source}, which vmorph observes but cannot morph", null);
        var vm = await backend.Host.FindAsync(id.Value, cancellationToken);
        if (!vm.IsSuccess) return new(LoopStatus.NotFound, string.Join("; ", vm.Errors), null);
        var traits = profile is null ? null : TraitScorer.Score(profile, services.Catalogs.Archetypes);
        var planned = await backend.Engine.Planner.PlanAsync(vm.Value, target, profile, traits, cancellationToken);
        if (!planned.IsSuccess) return new(LoopStatus.Invalid, $"cannot plan VM '{Name}' -> '{target.Name}': " + string.Join("; ", planned.Errors), null);
        var plan = planned.Value.Plan;
        if (!plan.HasChanges) return new(LoopStatus.Conflict, $"no changes: VM '{Name}' already has the configuration of {target.Name}", null);
        var notes = planned.Value.Notes.Length == 0 ? "" : "\n\nLeft out for this guest (not in the plan):\n" + string.Join("\n", planned.Value.Notes.Select(n => "  " + n));
        var stored = new StoredPlan(plan.Id, id, Name, target.Name, origin, reason, PlanStates.Pending, Now, null, null, null, null,
            PlanRenderer.Text(plan, inverses: true) + notes, PlanFile.Save(plan));
        return new(LoopStatus.Ok, "planned", new MadePlan(plan, stored));
    }

    /// <inheritdoc />
    public async Task<LoopResult<PlanView>> PlanAsync(string target, string actor)
    {
        var found = services.Catalogs.Targets.Find(target);
        if (!found.IsSuccess) return new(LoopStatus.NotFound, string.Join("; ", found.Errors), null);
        var planned = await PlanWithAsync(found.Value, actor, $"asked by {actor}", CancellationToken.None);
        if (!planned.Succeeded) return new(planned.Status, planned.Message, null);
        await services.Control.SavePlanAsync(planned.Value!.Stored, CancellationToken.None);
        Publish("plan", $"plan {planned.Value.Stored.PlanId} to {target} made by {actor}");
        return new(LoopStatus.Ok, $"plan {planned.Value.Stored.PlanId} to {target}", PlanViews.From(planned.Value.Stored));
    }

    private async Task<(StoredPlan? Stored, Plan? Plan, LoopResult<PlanView>? Error)> LoadPlanAsync(string planId)
    {
        var stored = await services.Control.FindPlanAsync(planId, CancellationToken.None);
        if (stored is null || stored.Vm != id) return (null, null, new(LoopStatus.NotFound, $"VM '{Name}' has no plan {planId}", null));
        // The stored plan is checked like a plan file: its id covers everything, inverses are derived again.
        var plan = PlanFile.Load(stored.PlanJson, $"plan {planId}");
        if (!plan.IsSuccess) return (null, null, new(LoopStatus.Invalid, string.Join("; ", plan.Errors), null));
        return (stored, plan.Value, null);
    }

    /// <inheritdoc />
    public async Task<LoopResult<PlanView>> ApplyAsync(string planId, string actor)
    {
        var (stored, plan, error) = await LoadPlanAsync(planId);
        if (error is not null) return error;
        if (stored!.State != PlanStates.Pending) return new(LoopStatus.Conflict, $"plan {planId} is {stored.State}, not pending", PlanViews.From(stored));
        if (morphInFlight is { } running) return new(LoopStatus.Conflict, $"VM '{Name}' is being morphed ({running}); try again when it ends", PlanViews.From(stored));
        var started = stored with { State = PlanStates.Approved, DecidedBy = actor, DecidedAt = Now };
        await StartApplyAsync(plan!, started, actor);
        return new(LoopStatus.Accepted, $"applying plan {planId} to VM '{Name}'", PlanViews.From(started));
    }

    /// <inheritdoc />
    public async Task<LoopResult<PlanView>> ApproveAsync(string planId, string actor)
    {
        var (stored, _, error) = await LoadPlanAsync(planId);
        if (error is not null) return error;
        if (!stored!.Origin.StartsWith("trigger:", StringComparison.Ordinal))
            return new(LoopStatus.Conflict, $"plan {planId} was made by {stored.Origin}, not parked by a policy: apply it instead", PlanViews.From(stored));
        var result = await ApplyAsync(planId, actor);
        if (result.Succeeded)
        {
            if (pending?.PlanId == planId) pending = null;
            engine?.Gate.Record(Now);
            Publish("plan", $"plan {planId} approved by {actor}");
        }
        return result;
    }

    /// <inheritdoc />
    public async Task<LoopResult<PlanView>> RejectAsync(string planId, string actor, string reason)
    {
        var (stored, _, error) = await LoadPlanAsync(planId);
        if (error is not null) return error;
        if (stored!.State != PlanStates.Pending) return new(LoopStatus.Conflict, $"plan {planId} is {stored.State}, not pending", PlanViews.From(stored));
        if (string.IsNullOrWhiteSpace(reason)) return new(LoopStatus.Invalid, "a rejection needs a reason", PlanViews.From(stored));
        var rejected = stored with { State = PlanStates.Rejected, DecidedBy = actor, DecidedAt = Now, RejectedBecause = reason.Trim() };
        await services.Control.SavePlanAsync(rejected, CancellationToken.None);
        if (pending?.PlanId == planId) pending = null;
        Publish("plan", $"plan {planId} rejected by {actor}: {rejected.RejectedBecause}");
        return new(LoopStatus.Ok, $"plan {planId} rejected", PlanViews.From(rejected));
    }

    // ---------------------------------------------------------------- morphs

    private async Task StartApplyAsync(Plan plan, StoredPlan stored, string actor)
    {
        var backend = services.Backends.For(Source)!;
        var running = stored with { State = PlanStates.Approved, DecidedBy = stored.DecidedBy ?? actor, DecidedAt = stored.DecidedAt ?? Now };
        await services.Control.SavePlanAsync(running, CancellationToken.None);
        if (pending?.PlanId == stored.PlanId) pending = null;
        morphInFlight = "plan " + stored.PlanId;
        Publish("morph", $"applying plan {stored.PlanId} to {stored.Target}");
        var self = this.AsReference<IVmGrain>();
        // The journal keeps why the morph was made (for a trigger: which, and its reason with what it detected).
        var options = GuardOptions() with { Notes = [$"{stored.Origin}: {stored.Reason}"] };
        var log = logger;
        _ = services.Morphs.Run(id.Value, async stop =>
        {
            MorphReport report;
            try
            {
                var outcome = await backend.Engine.ApplyAsync(plan, MorphKind.Apply, options, stop);
                report = Report(stored.PlanId, "apply", outcome);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogMorphFailed(log, e, stored.PlanId);
                report = new MorphReport(stored.PlanId, "apply", "failed", e.Message, null, null);
            }
            await TellAsync(self, report, log);
        });
    }

    // The guard's windows: the governing policy's where it sets them, the loop's otherwise.
    private ApplyOptions GuardOptions()
    {
        var settings = services.Settings;
        return new ApplyOptions
        {
            ObservationWindow = policy?.Guard.Observe ?? settings.ObservationWindow,
            BaselineWindow = policy?.Guard.Baseline ?? settings.BaselineWindow,
            SampleInterval = settings.GuardSampleInterval,
            Policy = GuardPolicy.Default with { ConfirmDegradation = policy?.Guard.Confirm ?? true },
        };
    }

    private static async Task TellAsync(IVmGrain self, MorphReport report, ILogger log)
    {
        try
        {
            await self.MorphFinishedAsync(report);
        }
        catch (Exception e)
        {
            // The silo is stopping: the journal holds the outcome, and the next activation reads it.
            LogReportLost(log, e, report.PlanId ?? report.Kind);
        }
    }

    private static MorphReport Report(string? planId, string kind, MorphOutcome outcome) => new(
        planId, kind, JsonNamingPolicy.KebabCaseLower.ConvertName(outcome.Result.ToString()), outcome.Message, outcome.Record?.MorphId,
        outcome.Record?.Verdict is { } v ? JsonNamingPolicy.KebabCaseLower.ConvertName(v.Decision.ToString()) : null);

    /// <inheritdoc />
    public async Task<LoopResult<string>> RollbackAsync(string actor)
    {
        if (morphInFlight is { } running) return new(LoopStatus.Conflict, $"VM '{Name}' is being morphed ({running}); try again when it ends", null);
        if (services.Backends.For(Source) is not { } backend) return new(LoopStatus.Invalid, $"VM '{Name}' comes from {Source}, which vmorph cannot morph", null);
        var vm = await backend.Host.FindAsync(id.Value, CancellationToken.None);
        if (!vm.IsSuccess) return new(LoopStatus.NotFound, string.Join("; ", vm.Errors), null);
        var plan = await backend.Engine.PlanRollbackAsync(vm.Value, null, profile, CancellationToken.None);
        if (!plan.IsSuccess) return new(LoopStatus.Conflict, string.Join("; ", plan.Errors), null);
        if (!plan.Value.HasChanges) return new(LoopStatus.Conflict, $"VM '{Name}' already has the configuration before its last morph", null);
        morphInFlight = "rollback";
        Publish("morph", $"rolling back, asked by {actor}");
        var self = this.AsReference<IVmGrain>();
        var options = GuardOptions();
        var log = logger;
        _ = services.Morphs.Run(id.Value, async stop =>
        {
            MorphReport report;
            try
            {
                report = Report(null, "rollback", await backend.Engine.ApplyAsync(plan.Value, MorphKind.Rollback, options, stop));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogMorphFailed(log, e, "rollback");
                report = new MorphReport(null, "rollback", "failed", e.Message, null, null);
            }
            await TellAsync(self, report, log);
        });
        return new(LoopStatus.Accepted, $"rolling VM '{Name}' back (plan {plan.Value.Id})", plan.Value.Id);
    }

    /// <inheritdoc />
    public async Task MorphFinishedAsync(MorphReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        morphInFlight = null;
        services.Metrics.Morphs.Add(1, new KeyValuePair<string, object?>("kind", report.Kind), new KeyValuePair<string, object?>("outcome", report.Result));
        if (report.Verdict is { } verdict) services.Metrics.GuardVerdicts.Add(1, new KeyValuePair<string, object?>("verdict", verdict));
        if (report.Result == "rolled-back") services.Metrics.Rollbacks.Add(1, new KeyValuePair<string, object?>("cause", report.Verdict is null ? "failure" : "guard"));
        if (report.PlanId is { } planId && await services.Control.FindPlanAsync(planId, CancellationToken.None) is { } stored)
        {
            var state = report.Result == "committed" ? PlanStates.Applied : report.Result == "rolled-back" ? PlanStates.RolledBack : PlanStates.Failed;
            await services.Control.SavePlanAsync(stored with { State = state, MorphId = report.MorphId, RejectedBecause = state == PlanStates.Applied ? null : report.Message }, CancellationToken.None);
        }
        // The engine recorded the committed configuration in the store's profile: continue from what it saved.
        await ReloadProfileAsync();
        Publish("morph", $"{report.Kind} {report.Result}{(report.MorphId is { } m ? $" (morph {m})" : "")}: {report.Message}");
    }

    // ---------------------------------------------------------------- labels and state

    /// <inheritdoc />
    public async Task<LoopResult<Dictionary<string, string>>> SetLabelsAsync(Dictionary<string, string?> changes, string actor)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var errors = LabelRules.Validate(changes);
        if (errors.Count > 0) return new(LoopStatus.Invalid, string.Join("; ", errors), null);
        var after = await services.Control.SetLabelsAsync(id, changes, CancellationToken.None);
        labels = LabelsOf(after);
        catalogGeneration = -1;
        engine = null;
        await MatchPolicyAsync();
        Publish("labels", $"labels set by {actor}: " + string.Join(", ", changes.Select(c => c.Value is null ? c.Key + "-" : $"{c.Key}={c.Value}")));
        return new(LoopStatus.Ok, $"labels of VM '{Name}' set; policy {policy?.Name ?? "(none)"}", EffectiveLabels());
    }

    /// <inheritdoc />
    public Task<VmLoopState> GetStateAsync()
    {
        var current = Current();
        return Task.FromResult(new VmLoopState
        {
            Vm = id.Value,
            Name = Name,
            Source = Source,
            Replay = services.Settings.Replay,
            State = domainState,
            Policy = policy?.Name,
            Labels = EffectiveLabels(),
            Cores = current?.Cores,
            MemoryMiB = current is { HasMemory: true } c ? c.MemoryMiB : null,
            CoresUsed = latest?.Cpu?.Value,
            MemoryUsedMiB = latest?.Memory is { } m ? m.Bytes / MemorySize.MiB : null,
            LastObserved = lastObserved ?? (latest is { } l ? l.At : null),
            LastDecision = lastDecision,
            Pending = pending is null ? null : PlanViews.From(pending),
            MorphInFlight = morphInFlight,
            Counters = AllCounters(),
        });
    }

    private async Task SaveDocumentAsync() =>
        await services.Control.SaveLoopStateAsync(id, JsonSerializer.Serialize(document, LoopJson.Default.LoopStateDocument), CancellationToken.None);

    private void Publish(string kind, string summary) => services.Events.Publish(new LoopEvent(Now, kind, id.Value, Name, summary));

    private static string Describe(DomainState state) => JsonNamingPolicy.KebabCaseLower.ConvertName(state.ToString());

    [LoggerMessage(Level = LogLevel.Error, Message = "the morph of plan {Plan} failed unexpectedly")]
    private static partial void LogMorphFailed(ILogger logger, Exception exception, string plan);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the outcome of {What} could not be reported to its grain; the journal keeps it")]
    private static partial void LogReportLost(ILogger logger, Exception exception, string what);
}
