using Vmorph.Cycles;
using Vmorph.Forecasting;
using Vmorph.Observations;
using Vmorph.Policies;
using Vmorph.Profiles;
using Vmorph.Recommenders;
using Vmorph.Traits;
using Vmorph.Units;

namespace Vmorph.Triggers;

/// <summary>
/// A policy at work on one VM: folds each finished step into the VM's profile and recent history, and at each decision
/// runs the policy's triggers, merges their intents, applies the shrink hysteresis and passes the result through the
/// <see cref="PolicyGate"/>. The same code serves the live decide loop and the what-if replay (it is an
/// <see cref="IRecommender"/>: it sees only the past).
/// </summary>
/// <remarks>
/// Merging: each resource gets the largest amount any demand or predictive intent asks for (growth from any trigger
/// wins); while a scheduled profile is in effect it sets the resources it names, and only urgent growth goes beyond
/// it. CPU grows as soon as it is wanted 2 % above its allocation (at once when urgent); it shrinks only when the
/// merged want has stayed below the allocation by more than the hysteresis band for the hold time. Memory changes on
/// its own only when it runs short (pressure or OOM) or a schedule sets it; otherwise it rides along with a CPU
/// change (growing, or shrinking once held below the band), since a change of both counts as one morph.
/// Workload-detection intents name a target profile: they pass the gate's maintenance windows, cooldown and day's
/// budget, and one that passes is kept for the caller (<see cref="TakeWorkloadIntent"/>), never merged away by a
/// resource intent of the same step; one held waits for the gate. A resource replay (no in-guest view) counts them.
/// </remarks>
public sealed class PolicyEngine : IReportingRecommender
{
    private const double GrowthTolerance = 0.02;

    private readonly Policy policy;
    private readonly VmContext vm;
    private readonly ArchetypeCatalog? catalog;
    private readonly bool autoApprove;
    private readonly PerformanceMetrics metrics;
    // The usage profile workload detection scores when the caller gives no traits (what-if replays); null otherwise.
    private readonly PersonalityProfile? profile;
    private readonly Func<WeightedTraitVector>? workloadTraits;
    private readonly UsageHistory cpu;
    // Read only as far back as the predictive trigger reads it (and for its latest step): a week of it was 16 KiB a VM.
    private readonly UsageHistory memory;
    private readonly ScheduledMorphing? scheduled;
    private readonly ResourceDemandBasedMorphing? demand;
    private readonly WorkloadDetectionBasedMorphing? workload;
    private readonly PredictiveMorphing? predictive;
    private readonly PolicyGate gate;
    private readonly ShrinkHysteresis cpuHysteresis;
    private readonly ShrinkHysteresis memoryHysteresis;
    private readonly double band;
    private readonly EventCounts counters = new();
    private readonly FleetActivity? fleet;
    private readonly WakeDetector? wakeDetector;
    private readonly AllocationGrid? grid;
    private bool decidedThisStep;
    private MorphIntent? heldWorkload;
    private MorphIntent? readyWorkload;

    /// <summary>Creates the engine for one VM.</summary>
    /// <param name="policy">The policy governing the VM.</param>
    /// <param name="vm">The VM.</param>
    /// <param name="catalog">The archetypes, for workload detection (null turns it off).</param>
    /// <param name="cpuModel">A FastTree model trained beforehand for the predictive trigger, or null.</param>
    /// <param name="autoApprove">Approve every intent at once (what-if replays); otherwise intents wait for <see cref="Approve"/>.</param>
    /// <param name="fleet">The fleet's wake-ups, for the peer forecast (null turns it off).</param>
    /// <param name="grid">
    /// What the hypervisor can set (whole vCPUs for the live loop): a changed want is rounded up to it before the gate,
    /// so a want that rounds to the allocation in force is no morph and spends no cooldown or budget. Null: no rounding.
    /// </param>
    /// <param name="cycles">
    /// Where the predictive trigger reads the VM's CPU cycle rings: the live loop gives its profile's, so the engine keeps
    /// no second copy. Null: the engine keeps its own, from the samples it observes (what-if replays).
    /// </param>
    /// <param name="workloadTraits">
    /// Where workload detection reads the VM's trait vector: the live loop gives the VM's whole profile, with its
    /// in-guest view, and the engine then keeps of the usage only what its triggers read (CPU and memory in use). Null:
    /// the engine scores a usage profile of its own.
    /// </param>
    /// <param name="sharedCycles">
    /// Where the predictive trigger detects the dominant cycle when other engines fold the same samples (a replay's
    /// policies): once per ring content for them all. Null: each engine detects its own.
    /// </param>
    /// <param name="sharedForecasts">The predictive trigger's forecasts, shared with the other policies of a replay that forecast alike; null forecasts here.</param>
    /// <param name="fleetModel">
    /// Without <paramref name="cpuModel"/>: the fleet's FastTree model, which the VMs' histories train (the live loop:
    /// one training and one model for the fleet); null: the VM trains its own.
    /// </param>
    public PolicyEngine(Policy policy, VmContext vm, ArchetypeCatalog? catalog = null, FastTreeDemandModel? cpuModel = null, bool autoApprove = false, FleetActivity? fleet = null, AllocationGrid? grid = null, Func<CycleHistory?>? cycles = null, Func<WeightedTraitVector>? workloadTraits = null, SharedCycleDetection? sharedCycles = null, SharedForecasts? sharedForecasts = null,
        FleetDemandModel? fleetModel = null)
    {
        this.workloadTraits = workloadTraits;
        this.grid = grid;
        this.policy = policy;
        this.vm = vm;
        this.catalog = catalog;
        this.autoApprove = autoApprove;
        // The demand trigger reads CPU in use (its percentile and daily peaks) and memory in use (its daily peaks).
        metrics = new PerformanceMetrics(policy.Demand?.HalfLife ?? PerformanceMetrics.DefaultHalfLife, keepsCycles: cycles is null,
            only: workloadTraits is null ? null : [Metric.Cpu, Metric.Memory]);
        if (workloadTraits is null) profile = new PersonalityProfile(vm.Vm, vm.Name, "policy-engine", performance: metrics);
        if (policy.Scheduled is { } s) scheduled = new ScheduledMorphing(s);
        if (policy.Demand is { } d) demand = new ResourceDemandBasedMorphing(d);
        if (policy.Workload is { } w && catalog is not null) workload = new WorkloadDetectionBasedMorphing(w, catalog);
        if (policy.Predictive is { } p) predictive = new PredictiveMorphing(p, vm.Provisioned, vm.Step, policy.TimeZone, cpuModel, cycles ?? (() => metrics.Cycles), sharedCycles, sharedForecasts, vm.Vm, fleetModel);
        memory = new UsageHistory(predictive?.MemoryStepsRead ?? 1);
        // Cores in half precision, rounded up: a week and more until the FastTree forecaster's week is used, then two days
        // (the memory history holds a few hours, in MiB, as floats).
        cpu = new UsageHistory(CpuStepsRead(policy, vm.Step, predictive), halfPrecision: true);
        gate = new PolicyGate(policy);
        if (fleet is not null && predictive is not null && policy.Demand is { Wake: > 0 } wakeSettings)
        {
            this.fleet = fleet;
            wakeDetector = new WakeDetector(wakeSettings.Wake);
        }
        band = policy.Demand?.Hysteresis ?? 0.2;
        var hold = policy.Demand?.ShrinkAfter ?? TimeSpan.FromHours(2);
        cpuHysteresis = new ShrinkHysteresis(band, hold);
        memoryHysteresis = new ShrinkHysteresis(band, hold);
    }

    /// <summary>The policy.</summary>
    public Policy Policy => policy;

    /// <summary>The gate (its state: last morph, morphs today).</summary>
    public PolicyGate Gate => gate;

    /// <summary>The latest intent applied or held, for explanations.</summary>
    public MorphIntent? LastIntent { get; private set; }

    /// <summary>The latest gate decision.</summary>
    public GateDecision? LastDecision { get; private set; }

    /// <summary>The scheduled trigger, when on.</summary>
    public ScheduledMorphing? Scheduled => scheduled;

    // The CPU history, for tests.
    internal UsageHistory CpuHistory => cpu;

    /// <summary>The predictive trigger, when on.</summary>
    public PredictiveMorphing? Predictive => predictive;

    /// <summary>
    /// The workload intent that passed the gate and is not yet acted on (then null until the next one). The caller
    /// records the morph in the <see cref="Gate"/> when it applies one, as an approval does.
    /// </summary>
    public MorphIntent? TakeWorkloadIntent()
    {
        var ready = readyWorkload;
        readyWorkload = null;
        return ready;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, long> Counters
    {
        get
        {
            var all = new Dictionary<string, long>(StringComparer.Ordinal);
            counters.CopyTo(all);
            if (predictive?.CpuModel is { } m) all["model.cpu." + m] = 1;
            if (predictive?.MemoryModel is { } mm) all["model.memory." + mm] = 1;
            return all;
        }
    }

    /// <summary>Approves a target the gate holds for approval.</summary>
    public void Approve(Allocation target) => gate.Approve(target);

    /// <inheritdoc />
    public void Observe(in UsageSample sample)
    {
        // While warming up (no decision for this step), still step the forecasters so their back-tests run.
        if (!decidedThisStep && predictive is not null && cpu.Count > 0) predictive.Step(sample.UnixSeconds, cpu, memory);
        decidedThisStep = false;
        if (wakeDetector is not null && wakeDetector.Add(sample.UnixSeconds, sample.Cores)) fleet!.Post(vm.Vm, sample.UnixSeconds);
        metrics.Fold(ToMetricSample(sample));
        cpu.Add(sample.UnixSeconds, sample.Cores);
        memory.Add(sample.UnixSeconds, sample.MemoryMiB);
        // Once the week the FastTree forecaster trains or offers is used, the history keeps only what is still read.
        if (predictive is not null && CpuStepsRead(policy, vm.Step, predictive) is var read && read < cpu.Capacity) cpu.Shrink(read);
    }

    /// <inheritdoc />
    public Allocation Recommend(long nowUnixSeconds, Allocation current)
    {
        decidedThisStep = true;
        var now = DateTimeOffset.FromUnixTimeSeconds(nowUnixSeconds);
        var fired = scheduled?.Evaluate(now);
        var demandIntent = demand?.Evaluate(now, current, metrics, cpu, memory, explain: false);
        var forecastIntent = predictive?.Evaluate(now, current, cpu, memory, explain: false);
        if (fleet is not null && demand is not null && predictive!.EvaluatePeers(now, current, vm.Vm, fleet, demand.CpuPeak) is { } peers)
        {
            Count("peer-wake");
            forecastIntent = forecastIntent is null || peers.Cores > forecastIntent.Cores ? peers with { MemoryMiB = forecastIntent?.MemoryMiB } : forecastIntent;
        }
        if (workload is not null && catalog is not null && workload.Due(now) && cpu.Count > 0)
        {
            if (workload.Evaluate(now, workloadTraits?.Invoke() ?? TraitScorer.Score(profile!, catalog)) is { } change)
            {
                Count("detected.workload-detection");
                heldWorkload = change with { RequiresApproval = policy.RequireApproval };
            }
        }
        if (heldWorkload is { } wanted)
        {
            // A morph to a target profile goes before any resource change of this step; the next step sizes from it.
            LastIntent = wanted;
            LastDecision = gate.DecideProfile(now, current);
            if (LastDecision.Verdict == GateVerdict.Apply)
            {
                // The gate counts the morph when the caller applies it (Gate.Record): planning may still find nothing to do.
                cpuHysteresis.Reset();
                memoryHysteresis.Reset();
                Count("intent.workload-detection");
                readyWorkload = wanted;
                heldWorkload = null;
                return current;
            }
            Count("gate." + LastDecision.Rule);
        }
        if (fired is not null) Count("schedule." + (fired.TargetProfile ?? "restore"));

        // Merge: the largest want of any trigger.
        var wantCores = Max(demandIntent?.Cores, forecastIntent?.Cores);
        var wantMemory = Max(demandIntent?.MemoryMiB, forecastIntent?.MemoryMiB);
        var kind = (forecastIntent?.Cores ?? double.NegativeInfinity) > (demandIntent?.Cores ?? double.NegativeInfinity) ? TriggerKind.Predictive : TriggerKind.ResourceDemand;
        var urgent = demandIntent?.Urgent == true || forecastIntent?.Urgent == true;
        var reason = kind == TriggerKind.Predictive ? forecastIntent?.Reason : demandIntent?.Reason;
        if (demandIntent?.Urgent == true && forecastIntent?.Urgent != true) reason = demandIntent.Reason;
        if (scheduled?.Active is { } profileInEffect)
        {
            // A scheduled profile sets what it names; only urgent growth goes beyond it.
            if (profileInEffect.Cores is { } c) wantCores = urgent && wantCores is { } w && w > c ? w : c;
            if (profileInEffect.MemoryMiB is { } m) wantMemory = urgent && wantMemory is { } w2 && w2 > m ? w2 : m;
            if (!urgent)
            {
                kind = TriggerKind.Scheduled;
                reason = $"schedule '{profileInEffect.Name}' in effect";
            }
        }

        var target = current;
        var cpuChanges = false;
        if (wantCores is { } cores)
        {
            if (cores > current.Cores * (urgent ? 1 : 1 + GrowthTolerance) || (fired is not null && scheduled?.Active is not null))
            {
                target = target.WithCores(cores);
                cpuChanges = true;
            }
            else if (cpuHysteresis.AllowShrink(now, current.Cores, cores))
            {
                target = target.WithCores(cores);
                cpuChanges = true;
            }
        }
        // Memory changes alone only when it runs short (or a schedule says so); otherwise it rides along with a CPU
        // change, so that it costs no morph of its own.
        var memoryChanges = false;
        var memoryUrgent = demandIntent?.Urgent == true && current.HasMemory && memory.Latest >= (policy.Demand?.Saturation ?? 1) * current.MemoryMiB;
        if (current.HasMemory && wantMemory is { } mib)
        {
            var scheduledMemory = fired is not null && scheduled?.Active?.MemoryMiB is not null;
            if (mib > current.MemoryMiB && (memoryUrgent || scheduledMemory || (cpuChanges && mib > current.MemoryMiB * (1 + GrowthTolerance))))
            {
                target = target.WithMemory(mib);
                memoryChanges = true;
            }
            else if (cpuChanges && ShrinkHysteresis.Below(current.MemoryMiB, mib, band) && memoryHysteresis.AllowShrink(now, current.MemoryMiB, mib))
            {
                target = target.WithMemory(mib);
                memoryChanges = true;
            }
            else if (!cpuChanges)
            {
                memoryHysteresis.AllowShrink(now, current.MemoryMiB, mib);
            }
        }
        if (memoryChanges && !cpuChanges && wantCores is { } c2 && ShrinkHysteresis.Below(current.Cores, c2, band))
            target = target.WithCores(c2);
        if (fired is not null && scheduled?.Active is not null)
        {
            kind = TriggerKind.Scheduled;
            reason = fired.Reason;
        }
        if (grid is not null) target = OnGrid(target, current);
        if (target == current) return current;

        // Reasons are worded only now that something is to change (not at every step).
        if (string.IsNullOrEmpty(reason))
        {
            reason = kind switch
            {
                TriggerKind.Predictive when forecastIntent is { Urgent: true } => forecastIntent.Reason,
                TriggerKind.Predictive => predictive?.Evaluate(now, current, cpu, memory)?.Reason,
                _ => demand?.Evaluate(now, current, metrics, cpu, memory)?.Reason,
            };
        }
        var intent = new MorphIntent(kind, now, target.Cores, target.HasMemory ? target.MemoryMiB : null, null, reason ?? "", urgent, policy.RequireApproval);
        LastIntent = intent;
        var decision = gate.Decide(now, current, target, urgent);
        if (decision.Verdict == GateVerdict.AwaitApproval && autoApprove)
        {
            gate.Approve(decision.Target);
            Count("approval.auto");
            decision = gate.Decide(now, current, target, urgent);
        }
        LastDecision = decision;
        switch (decision.Verdict)
        {
            case GateVerdict.Apply:
                gate.Record(now);
                cpuHysteresis.Reset();
                memoryHysteresis.Reset();
                Count("intent." + kind.Name());
                if (urgent) Count("urgent");
                return decision.Target;
            case GateVerdict.NoChange:
                return current;
            default:
                Count("gate." + decision.Rule);
                return current;
        }
    }

    // The most steps back the triggers read of the CPU history: the FastTree features two days and 16 steps (a week and
    // 16 until the forecaster's week is used), the grow window, the predictive trigger's horizon and floor; never more
    // than a week and a day, what the history always held (a longer grow window read only that much).
    private static int CpuStepsRead(Policy policy, TimeSpan step, PredictiveMorphing? predictive)
    {
        const int WeekAndDay = 2016 + 288;
        var steps = ForecastFeatures.HistoryNeeded;
        if (policy.Demand?.GrowWindow is { } window) steps = Math.Max(steps, (int)Math.Min(WeekAndDay, Math.Ceiling(window / step) + 1));
        if (predictive is not null) steps = Math.Max(steps, predictive.CpuStepsRead);
        return Math.Min(WeekAndDay, steps);
    }

    // The changed parts rounded up to the grid (what is unchanged stays as it is, on the grid or not).
    private Allocation OnGrid(Allocation target, Allocation current)
    {
        var cores = target.Cores == current.Cores ? current.Cores : grid!.RoundCores(target.Cores);
        var memory = !target.HasMemory || target.MemoryMiB == current.MemoryMiB ? target.MemoryMiB : grid!.RoundMemory(target.MemoryMiB);
        return new Allocation(cores, memory);
    }

    private void Count(string key) => counters.Increment(key);

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static MetricSample ToMetricSample(in UsageSample s) => new(
        DateTimeOffset.FromUnixTimeSeconds(s.UnixSeconds),
        cpu: s.HasCpu && s.Cores >= 0 ? new CpuCores(s.Cores) : null,
        cpuAllocated: s.InForce.Cores > 0 ? new CpuCores(s.InForce.Cores) : null,
        memory: s.HasMemory && s.MemoryMiB >= 0 ? MemorySize.FromMiB(s.MemoryMiB) : null,
        memoryAllocated: s.InForce.HasMemory && s.InForce.MemoryMiB > 0 ? MemorySize.FromMiB(s.InForce.MemoryMiB) : null);
}
