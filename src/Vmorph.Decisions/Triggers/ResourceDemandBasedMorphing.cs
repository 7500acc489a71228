using System.Globalization;
using Vmorph.Forecasting;
using Vmorph.Observations;
using Vmorph.Policies;
using Vmorph.Profiles;
using Vmorph.Recommenders;

namespace Vmorph.Triggers;

/// <summary>
/// The seed's <c>ResourceDemandBasedMorphing</c>, vmorph's own demand recommender. CPU: the policy's percentile of the
/// profile's decaying CPU histogram, plus headroom. Memory: the largest daily peak of the memory window, plus headroom.
/// It reacts at once to a shortfall: CPU at or above the saturation share of the allocation, memory under pressure
/// (at or above the saturation share) or out of memory, asks to grow, urgently, to the peak of the peak window (CPU)
/// or above the latest use (memory), rather than creeping up. CPU never goes below the floor share of the peak
/// window's peak: a VM that woke up in the window may wake up again, and the first steps of a wake-up cannot be
/// seen coming. A VM that, after an hour below the wake share of that peak, uses at least that share while its
/// allocation is below the peak has woken up (a batch job started): it grows to the peak at once too, before it
/// saturates. Shrinking is slowed by the engine's hysteresis
/// (<see cref="ShrinkHysteresis"/>), so it does not flap.
/// </summary>
public sealed class ResourceDemandBasedMorphing(DemandSettings settings)
{
    private long cachedPeakDay = long.MinValue;
    private double cachedCpuPeak = double.NaN;
    private double cachedMemoryPeak = double.NaN;

    /// <summary>The settings.</summary>
    public DemandSettings Settings { get; } = settings;

    /// <summary>The CPU peak of the peak window as of the latest evaluation (NaN before).</summary>
    public double CpuPeak => cachedCpuPeak;

    /// <summary>The demand now, or null without data; <paramref name="explain"/> false leaves the reason empty (the hot path of a replay).</summary>
    public MorphIntent? Evaluate(DateTimeOffset now, Allocation current, PerformanceMetrics profile, UsageHistory cpu, UsageHistory memory, bool explain = true)
    {
        var cpuSummary = profile[Metric.Cpu];
        if (cpuSummary is null || cpuSummary.Histogram.IsEmpty) return null;
        RefreshPeaks(now, profile, cpu, memory);

        var percentile = cpuSummary.Percentile(Settings.CpuPercentile) ?? 0;
        double cores = percentile * (1 + Settings.Headroom);
        var floor = Settings.Floor > 0 && !double.IsNaN(cachedCpuPeak) ? Settings.Floor * cachedCpuPeak * (1 + Settings.Headroom) : 0;
        cores = Math.Max(cores, floor);
        var last = cpu.Latest;
        var cpuShort = !double.IsNaN(last) && last >= Settings.Saturation * current.Cores;
        var wakes = !cpuShort && Settings.Wake > 0 && !double.IsNaN(last) && !double.IsNaN(cachedCpuPeak)
            && last >= Settings.Wake * cachedCpuPeak && current.Cores < cachedCpuPeak
            && QuietBefore(cpu, Settings.Wake * cachedCpuPeak);
        // Above the allocation the demand was cut off at it, so ask for more than was seen; near it (saturated but
        // served), the peak of the window, or what was seen, is enough.
        var censored = cpuShort && last > current.Cores;
        cpuShort |= wakes;
        if (cpuShort) cores = Math.Max(cores, Math.Max(GrowthTarget(now, cpu), (censored ? last / Settings.Saturation : last) * (1 + Settings.Headroom)));

        double? memoryTarget = null;
        var memoryShort = false;
        var lastMemory = memory.Latest;
        if (current.HasMemory && !double.IsNaN(cachedMemoryPeak))
        {
            var need = cachedMemoryPeak * (1 + Settings.MemoryHeadroom);
            memoryShort = !double.IsNaN(lastMemory) && lastMemory >= Settings.Saturation * current.MemoryMiB;
            if (memoryShort) need = Math.Max(need, lastMemory / Settings.Saturation * (1 + Settings.MemoryHeadroom));
            memoryTarget = need;
        }

        var urgent = cpuShort || memoryShort;
        var reason = !explain ? "" : urgent
            ? (wakes ? string.Create(CultureInfo.InvariantCulture, $"woke up: {last:0.##} cores, {last / cachedCpuPeak:P0} of the {ValueParsers.Format(Settings.PeakWindow)} peak {cachedCpuPeak:0.##}; grow to {GrowthWords()}") : Shortfall(cpuShort, memoryShort, last, lastMemory, current))
            : string.Create(CultureInfo.InvariantCulture, $"P{Settings.CpuPercentile * 100:0.#} of CPU use {percentile:0.###} cores (half-life {ValueParsers.Format(Settings.HalfLife)}) + {Settings.Headroom:P0}");
        return new MorphIntent(TriggerKind.ResourceDemand, now, cores, memoryTarget, null, reason, urgent);
    }

    /// <summary>
    /// What a shortfall or wake-up grows CPU to: the peak window's peak plus headroom, or, with a grow window, that
    /// window's (recent) peak plus the grow headroom, never above the peak window's peak plus headroom, so a burst
    /// does not cost hours at a week's peak.
    /// </summary>
    private double GrowthTarget(DateTimeOffset now, UsageHistory cpu)
    {
        var cap = cachedCpuPeak * (1 + Settings.Headroom);
        if (Settings.GrowWindow is not { } window) return cap;
        var recent = cpu.MaxSince(now.ToUnixTimeSeconds() - (long)window.TotalSeconds);
        return double.IsNaN(recent) ? cap : Math.Min(cap, recent * (1 + (Settings.GrowHeadroom ?? Settings.Headroom)));
    }

    private string GrowthWords() => Settings.GrowWindow is { } window
        ? string.Create(CultureInfo.InvariantCulture, $"the {ValueParsers.Format(window)} peak + {Settings.GrowHeadroom ?? Settings.Headroom:P0} (at most the {ValueParsers.Format(Settings.PeakWindow)} peak + {Settings.Headroom:P0})")
        : string.Create(CultureInfo.InvariantCulture, $"the {ValueParsers.Format(Settings.PeakWindow)} peak + {Settings.Headroom:P0}");

    /// <summary>Whether the hour before the latest step stayed below the threshold: a rise out of quiet is a wake-up, a busy VM's next sample is not.</summary>
    private static bool QuietBefore(UsageHistory cpu, double threshold)
    {
        if (cpu.Count < 1 + WakeQuietSteps) return false;
        for (var age = 1; age <= WakeQuietSteps; age++)
            if (cpu.Back(age) >= threshold) return false;
        return true;
    }

    /// <summary>Steps of quiet (an hour of five-minute steps) before a rise counts as a wake-up.</summary>
    private const int WakeQuietSteps = 12;

    private string Shortfall(bool cpuShort, bool memoryShort, double last, double lastMemory, Allocation current)
    {
        var parts = new List<string>(2);
        if (cpuShort)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"CPU saturated ({last:0.##} of {current.Cores:0.##} cores): grow to {GrowthWords()}, the {ValueParsers.Format(Settings.PeakWindow)} peak being {cachedCpuPeak:0.##}"));
        if (memoryShort)
            parts.Add(lastMemory > current.MemoryMiB
                ? string.Create(CultureInfo.InvariantCulture, $"out of memory ({lastMemory:0} of {current.MemoryMiB:0} MiB)")
                : string.Create(CultureInfo.InvariantCulture, $"memory pressure ({lastMemory:0} of {current.MemoryMiB:0} MiB)"));
        return string.Join("; ", parts);
    }

    /// <summary>The peaks of the windows, from the profile's daily peaks, refreshed once a day and raised by newer use.</summary>
    private void RefreshPeaks(DateTimeOffset now, PerformanceMetrics profile, UsageHistory cpu, UsageHistory memory)
    {
        var day = (long)Math.Floor(now.ToUnixTimeSeconds() / 86400.0);
        if (day != cachedPeakDay)
        {
            cachedPeakDay = day;
            cachedCpuPeak = WindowPeak(profile[Metric.Cpu], now, Settings.PeakWindow);
            cachedMemoryPeak = WindowPeak(profile[Metric.Memory], now, Settings.MemoryWindow) / MemorySizeMiB;
        }
        if (cpu.Latest > cachedCpuPeak || double.IsNaN(cachedCpuPeak)) cachedCpuPeak = cpu.Latest;
        if (memory.Latest > cachedMemoryPeak || double.IsNaN(cachedMemoryPeak)) cachedMemoryPeak = memory.Latest;
    }

    private const double MemorySizeMiB = 1024.0 * 1024;

    private static double WindowPeak(MetricSummary? summary, DateTimeOffset now, TimeSpan window)
    {
        if (summary is null) return double.NaN;
        var since = now - window;
        var peak = double.NaN;
        foreach (var (day, value) in summary.Peaks.Values())
            if (day.AddDays(1) > since && !(value <= peak)) peak = value;
        return peak;
    }
}
