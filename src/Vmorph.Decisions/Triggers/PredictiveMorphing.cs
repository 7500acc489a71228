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
    private readonly BacktestChooser cpu;
    private readonly BacktestChooser? memory;
    private readonly int floorSteps;
    private long lastStep = long.MinValue;
    private double cpuForecast = double.NaN;
    private double memoryForecast = double.NaN;
    private readonly Func<CycleHistory?>? cycles;
    private readonly Func<CycleHistory, DominantCycle?> detect;
    private readonly SeasonalTrendForecaster[] seasonal;
    private long nextCycleCheck = long.MinValue;

    /// <summary>Creates the trigger for one VM.</summary>
    /// <param name="settings">The policy's settings.</param>
    /// <param name="provisioned">The VM's capacity (the scale forecasts are normalised by).</param>
    /// <param name="step">The interval between samples.</param>
    /// <param name="zone">The policy's time zone (for seasonality).</param>
    /// <param name="cpuModel">A FastTree model trained beforehand, or null to train per VM as the history grows.</param>
    /// <param name="cycles">
    /// Where to read the profile's CPU cycle rings, for the dominant cycle (read once a day, so a profile loaded again
    /// is followed); null keeps the hour of the day.
    /// </param>
    /// <param name="sharedCycles">Detects the cycle once for rings of the same content that other engines also ask about (a replay's policies); null detects it here.</param>
    public PredictiveMorphing(PredictiveSettings settings, Allocation provisioned, TimeSpan step, TimeZoneInfo zone, FastTreeDemandModel? cpuModel, Func<CycleHistory?>? cycles = null, SharedCycleDetection? sharedCycles = null)
    {
        this.cycles = cycles;
        detect = sharedCycles is null ? CycleDetector.Detect : sharedCycles.Detect;
        this.settings = settings;
        var horizonSteps = Math.Max(1, (int)Math.Round(settings.Horizon / step));
        floorSteps = Math.Max(1, (int)Math.Round(settings.RecentFloor / step));
        HorizonSteps = horizonSteps;
        var cpuScale = Math.Max(provisioned.Cores, 0.1);
        IDemandForecaster Seasonal(double scale) => new SeasonalTrendForecaster(scale, zone);
        IDemandForecaster Recent(double scale) => new RecentPeakForecaster(scale);
        var cpuForecasters = settings.Model switch
        {
            ForecastModel.Seasonal => [Seasonal(cpuScale)],
            ForecastModel.RecentPeak => [Recent(cpuScale)],
            ForecastModel.FastTree => [new FastTreeForecaster(cpuScale, cpuModel, horizonSteps, zone)],
            ForecastModel.Conformal => [new ConformalPeakForecaster(cpuScale, horizonSteps)],
            // The conformal forecaster is not among them: it improved the chooser's forecasts at P90 but not the
            // replay of the tuning month (docs/BENCHMARKS.md, "Forecasts").
            _ => new List<IDemandForecaster> { Seasonal(cpuScale), new FastTreeForecaster(cpuScale, cpuModel, horizonSteps, zone), Recent(cpuScale) },
        };
        cpu = new BacktestChooser(cpuForecasters, settings.Quantile, horizonSteps, step, settings.BacktestHalfLife);
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
            memory = new BacktestChooser(memoryForecasters, settings.Quantile, horizonSteps, step, settings.BacktestHalfLife);
        }
        seasonal = [.. cpu.Forecasters.Concat(memory?.Forecasters ?? []).OfType<SeasonalTrendForecaster>()];
    }

    /// <summary>The VM's dominant cycle as last named (once a day), or null.</summary>
    public DominantCycle? Cycle { get; private set; }

    private const long CycleCheckSeconds = 86400;

    /// <summary>The horizon in steps.</summary>
    public int HorizonSteps { get; }

    /// <summary>
    /// The most steps back the trigger reads of the memory history: the horizon just completed (to learn its peak) and
    /// the recent-floor window. Its memory forecasters (seasonal, recent peak) keep what they learn, not the steps.
    /// </summary>
    public int MemoryStepsRead => Math.Max(HorizonSteps, floorSteps);

    /// <summary>The CPU forecaster in use (by rolling back-test), or null.</summary>
    public string? CpuModel => cpu.ChosenName;

    /// <summary>The memory forecaster in use, or null.</summary>
    public string? MemoryModel => memory?.ChosenName;

    /// <summary>The CPU chooser (for reports and tests).</summary>
    public BacktestChooser CpuChooser => cpu;

    /// <summary>
    /// Advances the forecasters to <paramref name="nowUnixSeconds"/> (learning the horizon just completed, forecasting the
    /// next). Called once per step, also while warming up on training data, so the back-tests start before the replay.
    /// </summary>
    public void Step(long nowUnixSeconds, UsageHistory cpuHistory, UsageHistory memoryHistory)
    {
        if (nowUnixSeconds <= lastStep) return;
        lastStep = nowUnixSeconds;
        if (cycles is not null && seasonal.Length > 0 && nowUnixSeconds >= nextCycleCheck)
        {
            nextCycleCheck = nowUnixSeconds + CycleCheckSeconds;
            Cycle = cycles() is { } rings ? detect(rings) : null;
            foreach (var forecaster in seasonal) forecaster.Cycle = Cycle?.Period;
        }
        cpuForecast = cpu.Step(nowUnixSeconds, cpuHistory);
        if (memory is not null) memoryForecast = memory.Step(nowUnixSeconds, memoryHistory);
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
        var floor = cpuHistory.Window(floorSteps).Max;
        if (double.IsNaN(cpuForecast) && double.IsNaN(floor)) return null;
        var cores = Math.Max(double.IsNaN(cpuForecast) ? 0 : cpuForecast, double.IsNaN(floor) ? 0 : floor) * (1 + settings.Headroom);
        double? memoryTarget = null;
        if (current.HasMemory && memory is not null)
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
