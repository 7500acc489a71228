using System.Globalization;
using Vmorph.Cycles;
using Vmorph.Forecasting;
using Vmorph.Policies;
using Vmorph.Recommenders;

namespace Vmorph.Triggers;

/// <summary>
/// The seed's <c>PredictiveMorphing</c>: forecasts the peak CPU and memory demand over the horizon a morph must cover,
/// at the policy's quantile, and asks for that plus headroom, so the VM grows ahead of a predicted rise. It never asks
/// for less than the peak of the recent-floor window (plus headroom): it does not shrink below what recent usage shows.
/// The forecaster is chosen per VM by rolling back-tests (<see cref="BacktestChooser"/>) among the seasonal-and-trend
/// model, the machine-learned FastTree model and the recent-peak model, unless the policy names one (the conformally
/// calibrated recent-peak rule is chosen only by name). Once a day it names the VM's dominant cycle from the profile's
/// cycle rings (<see cref="CycleDetector"/>), and the seasonal forecasters read the phase of that cycle where they read
/// the hour of the day.
/// </summary>
public sealed class PredictiveMorphing
{
    private readonly PredictiveSettings settings;
    private readonly int floorSteps;
    private readonly bool forecastsMemory;
    private readonly ForecastState? own;
    private readonly SharedForecasts.Subscription? shared;
    private readonly Func<CycleHistory?>? cycles;
    private long lastStep = long.MinValue;
    private long lastTotal = -1;
    private ForecastStep latest = ForecastStep.None;

    /// <summary>Creates the trigger for one VM.</summary>
    /// <param name="settings">The policy's settings.</param>
    /// <param name="provisioned">The VM's capacity (the scale forecasts are normalised by).</param>
    /// <param name="step">The interval between samples.</param>
    /// <param name="zone">The policy's time zone (for seasonality).</param>
    /// <param name="cpuModel">A FastTree model trained beforehand, or null for the fleet's (<paramref name="fleetModel"/>) or one trained per VM as the history grows.</param>
    /// <param name="cycles">
    /// Where to read the profile's CPU cycle rings, for the dominant cycle (read once a day, so a profile loaded again
    /// is followed); null keeps the hour of the day.
    /// </param>
    /// <param name="sharedCycles">Detects the cycle once for rings of the same content that other engines also ask about (a replay's policies); null detects it here.</param>
    /// <param name="sharedForecasts">
    /// Forecasts computed once for the policies of a replay that forecast alike and see the same VM (with
    /// <paramref name="vm"/>); null forecasts here.
    /// </param>
    /// <param name="vm">The VM, with <paramref name="sharedForecasts"/>.</param>
    /// <param name="fleetModel">Without <paramref name="cpuModel"/>: the fleet's model, trained from its VMs' histories (the live loop); null trains one per VM.</param>
    public PredictiveMorphing(PredictiveSettings settings, Allocation provisioned, TimeSpan step, TimeZoneInfo zone, FastTreeDemandModel? cpuModel, Func<CycleHistory?>? cycles = null, SharedCycleDetection? sharedCycles = null, SharedForecasts? sharedForecasts = null, Identity.VmId vm = default,
        FleetDemandModel? fleetModel = null)
    {
        this.settings = settings;
        HorizonSteps = Math.Max(1, (int)Math.Round(settings.Horizon / step));
        floorSteps = Math.Max(1, (int)Math.Round(settings.RecentFloor / step));
        forecastsMemory = provisioned.HasMemory;
        this.cycles = cycles;
        ForecastState Create() => new(settings, provisioned, step, zone, cpuModel, sharedCycles, shared: sharedForecasts is not null, fleetModel);
        if (sharedForecasts is null) own = Create();
        else shared = sharedForecasts.Join(vm, SharedForecasts.Setting.Of(settings, zone, cpuModel), step, provisioned, Create);
    }

    /// <summary>The VM's dominant cycle as last named (once a day), or null.</summary>
    public DominantCycle? Cycle => latest.Cycle;

    /// <summary>The horizon in steps.</summary>
    public int HorizonSteps { get; }

    /// <summary>The recent-floor window in steps.</summary>
    public int FloorSteps => floorSteps;

    /// <summary>
    /// The most steps back the trigger reads of the memory history: the horizon just completed (to learn its peak) and
    /// the recent-floor window. Its memory forecasters (seasonal, recent peak) keep what they learn, not the steps.
    /// </summary>
    public int MemoryStepsRead => Math.Max(HorizonSteps, floorSteps);

    /// <summary>
    /// The most steps back the trigger reads of the CPU history: the horizon, the recent-floor window, and what its
    /// FastTree forecaster reads (a week until its week has trained a model, then two days).
    /// </summary>
    public int CpuStepsRead => Math.Max(Math.Max(HorizonSteps, floorSteps), own?.CpuStepsRead ?? 0);

    /// <summary>The CPU forecaster in use (by rolling back-test), or null.</summary>
    public string? CpuModel => latest.CpuModel;

    /// <summary>The memory forecaster in use, or null.</summary>
    public string? MemoryModel => latest.MemoryModel;

    /// <summary>
    /// Advances the forecasters to <paramref name="nowUnixSeconds"/> (learning the horizon just completed, forecasting the
    /// next). Called once per step, also while warming up on training data, so the back-tests start before the replay.
    /// A call with no step added to the CPU history since the last one does nothing: the forecasters count steps (a
    /// horizon is so many of them), so a decision between samples (the live loop's check of an idle VM, every minute)
    /// must not count as one.
    /// </summary>
    public void Step(long nowUnixSeconds, UsageHistory cpuHistory, UsageHistory memoryHistory)
    {
        if (nowUnixSeconds <= lastStep || cpuHistory.Total == lastTotal) return;
        lastStep = nowUnixSeconds;
        lastTotal = cpuHistory.Total;
        latest = own is not null ? own.Step(nowUnixSeconds, cpuHistory, memoryHistory, cycles) : shared!.Step(nowUnixSeconds, cpuHistory, memoryHistory, cycles);
    }

    /// <summary>
    /// The fleet-level forecast: when one of the VM's leaders (<see cref="PeerWakeModel"/>) woke up within the lead time,
    /// this VM is likely to wake up too: grow to its peak now, before its own load arrives. Urgent, so the cooldown does
    /// not hold it back. Null when no leader woke or the VM is already at its peak.
    /// </summary>
    public MorphIntent? EvaluatePeers(DateTimeOffset now, Allocation current, Identity.VmId vm, FleetActivity fleet, double peak)
    {
        if (double.IsNaN(peak) || current.Cores >= peak) return null;
        var t = now.ToUnixTimeSeconds();
        if (fleet.LeaderWoke(vm, t - (long)PeerWakeModel.Lead.TotalSeconds, t) is not { } woke) return null;
        var at = DateTimeOffset.FromUnixTimeSeconds(woke.At);
        return new MorphIntent(TriggerKind.Predictive, now, peak * (1 + settings.Headroom), null, null,
            string.Create(CultureInfo.InvariantCulture, $"{woke.Leader} woke up at {at:yyyy-MM-dd HH:mm}Z, and this VM has followed it within {ValueParsers.Format(PeerWakeModel.Lead)} before: grow to the peak {peak:0.##} + {settings.Headroom:P0} ahead of the load"),
            Urgent: true);
    }

    /// <summary>The allocation the forecast asks for, or null before any forecaster can tell; <paramref name="explain"/> false leaves the reason empty.</summary>
    public MorphIntent? Evaluate(DateTimeOffset now, Allocation current, UsageHistory cpuHistory, UsageHistory memoryHistory, bool explain = true)
    {
        Step(now.ToUnixTimeSeconds(), cpuHistory, memoryHistory);
        var (cpuForecast, memoryForecast) = (latest.Cpu, latest.Memory);
        var floor = cpuHistory.Window(floorSteps).Max;
        if (double.IsNaN(cpuForecast) && double.IsNaN(floor)) return null;
        var cores = Math.Max(double.IsNaN(cpuForecast) ? 0 : cpuForecast, double.IsNaN(floor) ? 0 : floor) * (1 + settings.Headroom);
        double? memoryTarget = null;
        if (current.HasMemory && forecastsMemory)
        {
            var memoryFloor = memoryHistory.Window(floorSteps).Max;
            var m = Math.Max(double.IsNaN(memoryForecast) ? 0 : memoryForecast, double.IsNaN(memoryFloor) ? 0 : memoryFloor);
            if (m > 0) memoryTarget = m * (1 + settings.Headroom);
        }
        var reason = !explain ? "" : string.Create(CultureInfo.InvariantCulture,
            $"P{settings.Quantile * 100:0.#} of the peak over the next {ValueParsers.Format(settings.Horizon)}: {cpuForecast:0.##} cores ({CpuModel ?? "no model yet"}), recent {ValueParsers.Format(settings.RecentFloor)} peak {floor:0.##}, + {settings.Headroom:P0}{(Cycle is { } c ? $"; dominant cycle {c.IsoPeriod}" : "")}");
        return new MorphIntent(TriggerKind.Predictive, now, cores, memoryTarget, null, reason);
    }
}

/// <summary>What a VM's forecasters said at one step.</summary>
/// <param name="UnixSeconds">The step.</param>
/// <param name="Cpu">The chosen CPU forecaster's quantile of the horizon peak, in cores (NaN if none can tell).</param>
/// <param name="Memory">The same for memory, in MiB (NaN if none).</param>
/// <param name="CpuModel">The CPU forecaster in use, or null.</param>
/// <param name="MemoryModel">The memory forecaster in use, or null.</param>
/// <param name="Cycle">The dominant cycle as last named, or null.</param>
public readonly record struct ForecastStep(long UnixSeconds, double Cpu, double Memory, string? CpuModel, string? MemoryModel, DominantCycle? Cycle)
{
    /// <summary>Nothing forecast yet.</summary>
    public static ForecastStep None { get; } = new(long.MinValue, double.NaN, double.NaN, null, null, null);
}

/// <summary>
/// The forecasting state of <see cref="PredictiveMorphing"/> for one VM: a back-tested chooser per resource and the
/// dominant cycle the seasonal forecasters read. The forecaster is chosen per VM by rolling back-tests among the
/// seasonal-and-trend model, the machine-learned FastTree model and the recent-peak model, unless the policy names one.
/// </summary>
internal sealed class ForecastState
{
    private const long CycleCheckSeconds = 86400;
    private readonly Func<CycleHistory, DominantCycle?> detect;
    private readonly SeasonalTrendForecaster[] seasonal;
    private readonly FastTreeForecaster? fastTree;
    private long nextCycleCheck = long.MinValue;
    private DominantCycle? cycle;

    /// <summary>Creates the state; <paramref name="shared"/>: stepped by several engines, each with histories of its own.</summary>
    public ForecastState(PredictiveSettings settings, Allocation provisioned, TimeSpan step, TimeZoneInfo zone, FastTreeDemandModel? cpuModel, SharedCycleDetection? sharedCycles, bool shared,
        FleetDemandModel? fleetModel = null)
    {
        detect = sharedCycles is null ? CycleDetector.Detect : sharedCycles.Detect;
        var horizonSteps = Math.Max(1, (int)Math.Round(settings.Horizon / step));
        var cpuScale = Math.Max(provisioned.Cores, 0.1);
        IDemandForecaster Seasonal(double scale) => new SeasonalTrendForecaster(scale, zone);
        IDemandForecaster Recent(double scale) => new RecentPeakForecaster(scale);
        var cpuForecasters = settings.Model switch
        {
            ForecastModel.Seasonal => [Seasonal(cpuScale)],
            ForecastModel.RecentPeak => [Recent(cpuScale)],
            ForecastModel.FastTree => [new FastTreeForecaster(cpuScale, cpuModel, horizonSteps, zone, copiesHistory: shared, fleet: fleetModel)],
            ForecastModel.Conformal => [new ConformalPeakForecaster(cpuScale, horizonSteps)],
            // The conformal forecaster is not among them: it improved the chooser's forecasts at P90 but not the
            // replay of the tuning month (docs/BENCHMARKS.md, "Forecasts").
            _ => new List<IDemandForecaster> { Seasonal(cpuScale), new FastTreeForecaster(cpuScale, cpuModel, horizonSteps, zone, copiesHistory: shared, fleet: fleetModel), Recent(cpuScale) },
        };
        Cpu = new BacktestChooser(cpuForecasters, settings.Quantile, horizonSteps, step, settings.BacktestHalfLife);
        if (provisioned.HasMemory)
        {
            var memoryScale = Math.Max(provisioned.MemoryMiB, 128);
            // Memory moves slowly: the seasonal and recent-peak models; FastTree is kept for CPU, whose bursts need it.
            IReadOnlyList<IDemandForecaster> memoryForecasters = settings.Model switch
            {
                ForecastModel.RecentPeak => [Recent(memoryScale)],
                ForecastModel.Seasonal => [Seasonal(memoryScale)],
                _ => [Seasonal(memoryScale), Recent(memoryScale)],
            };
            Memory = new BacktestChooser(memoryForecasters, settings.Quantile, horizonSteps, step, settings.BacktestHalfLife);
        }
        seasonal = [.. Cpu.Forecasters.Concat(Memory?.Forecasters ?? []).OfType<SeasonalTrendForecaster>()];
        fastTree = Cpu.Forecasters.OfType<FastTreeForecaster>().SingleOrDefault();
    }

    public BacktestChooser Cpu { get; }

    /// <summary>The most steps back its CPU forecasters read of the history they are given.</summary>
    public int CpuStepsRead => fastTree?.StepsRead ?? 0;

    public BacktestChooser? Memory { get; }

    /// <summary>
    /// One step (see <see cref="PredictiveMorphing.Step"/>); once a day it names the VM's dominant cycle first, from the
    /// caller's <paramref name="cycles"/> (the engine that steps it: the rings it has folded up to this step).
    /// </summary>
    public ForecastStep Step(long nowUnixSeconds, UsageHistory cpuHistory, UsageHistory memoryHistory, Func<CycleHistory?>? cycles)
    {
        if (cycles is not null && seasonal.Length > 0 && nowUnixSeconds >= nextCycleCheck)
        {
            nextCycleCheck = nowUnixSeconds + CycleCheckSeconds;
            cycle = cycles() is { } rings ? detect(rings) : null;
            foreach (var forecaster in seasonal) forecaster.Cycle = cycle?.Period;
        }
        var cpu = Cpu.Step(nowUnixSeconds, cpuHistory);
        var memory = Memory?.Step(nowUnixSeconds, memoryHistory) ?? double.NaN;
        return new ForecastStep(nowUnixSeconds, cpu, memory, Cpu.ChosenName, Memory?.ChosenName, cycle);
    }
}
