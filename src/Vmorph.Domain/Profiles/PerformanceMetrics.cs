using Vmorph.Cycles;
using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>
/// The seed's <c>PerformanceMetrics</c>: CPU, memory, disk and network over time, folded one sample at a time into a
/// <see cref="MetricSummary"/> per metric. Memory is bounded whatever the length of the history. A sample's decay
/// weight is 2^((t − reference) / half-life), the reference a whole number of half-lives since the epoch; when
/// weights grow past 2^<see cref="RescaleExponent"/> every summary is scaled down together and the reference moves forward, so nothing overflows and percentiles are unchanged.
/// </summary>
public sealed class PerformanceMetrics
{
    /// <summary>The default half-life of a sample's weight: a week, so a profile remembers a VM's character across weekends.</summary>
    public static TimeSpan DefaultHalfLife { get; } = TimeSpan.FromDays(7);

    internal const double RescaleExponent = 60;

    private readonly MetricSummary?[] summaries = new MetricSummary?[Metrics.Count];
    private readonly long halfLifeSeconds;
    private readonly bool keepsCycles;
    private readonly bool[]? summarised;

    /// <summary>Creates empty metrics with a decay half-life.</summary>
    /// <param name="halfLife">How fast old samples lose weight (<see cref="DefaultHalfLife"/> when null).</param>
    /// <param name="keepsCycles">
    /// Whether samples go into <see cref="Cycles"/> too; false for a copy whose owner reads another profile's rings
    /// (the live loop's policy engine), which then stay empty and take no memory.
    /// </param>
    /// <param name="only">
    /// The metrics summarised, or null for all: a copy that serves one reader keeps only what it reads (the live loop's
    /// policy engine: CPU and memory in use). The others stay null, and the summaries kept are those of all.
    /// </param>
    public PerformanceMetrics(TimeSpan? halfLife = null, bool keepsCycles = true, IEnumerable<Metric>? only = null)
    {
        this.keepsCycles = keepsCycles;
        if (only is not null)
        {
            summarised = new bool[Metrics.Count];
            foreach (var metric in only) summarised[(int)metric] = true;
        }
        HalfLife = halfLife ?? DefaultHalfLife;
        if (HalfLife <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(halfLife), halfLife, "The half-life must be positive.");
        // Weights are computed on whole seconds: a half-life is taken to the nearest second (at least one).
        halfLifeSeconds = Math.Max(1, (long)Math.Round(HalfLife.TotalSeconds));
    }

    /// <summary>How fast old samples lose weight.</summary>
    public TimeSpan HalfLife { get; }

    /// <summary>The time at which a sample has weight 1; null before the first sample.</summary>
    public long? ReferenceUnixSeconds { get; private set; }

    /// <summary>Samples folded.</summary>
    public long Samples { get; private set; }

    /// <summary>Samples that a source reported as missing (a trace row of zeros, a failed poll): counted, never invented.</summary>
    public long MissingSamples { get; private set; }

    /// <summary>The earliest sample's time.</summary>
    public long? FirstUnixSeconds { get; private set; }

    /// <summary>The latest sample's time.</summary>
    public long? LastUnixSeconds { get; private set; }

    /// <summary>The summary of a metric, or null if it was never measured.</summary>
    public MetricSummary? this[Metric metric] => summaries[(int)metric];

    /// <summary>CPU use in time bins, for finding the dominant cycle (<see cref="CycleDetector"/>).</summary>
    public CycleHistory Cycles { get; private set; } = new();

    /// <summary>The metrics that have data.</summary>
    public IEnumerable<MetricSummary> Measured => summaries.Where(s => s is not null)!;

    /// <summary>Folds one sample.</summary>
    public void Fold(in MetricSample sample)
    {
        var t = sample.UnixSeconds;
        // The reference sits on a whole number of half-lives since the epoch, and a weight is 2 to the power of the
        // sample's place within its half-life, scaled by a whole power of two: the same time always gets the same
        // weight up to an exact power of two, so the profile does not depend on which sample came first.
        ReferenceUnixSeconds ??= HalfLivesBefore(t) * halfLifeSeconds;
        var halfLives = HalfLivesBefore(t) - HalfLivesBefore(ReferenceUnixSeconds.Value);
        if (halfLives > RescaleExponent)
        {
            RescaleAll(double.ScaleB(1, (int)-halfLives));
            ReferenceUnixSeconds += halfLives * halfLifeSeconds;
            halfLives = 0;
        }
        var weight = double.ScaleB(double.Exp2((t - HalfLivesBefore(t) * halfLifeSeconds) / (double)halfLifeSeconds), (int)Math.Max(halfLives, int.MinValue / 2));
        var day = DailyPeaks.DayOf(t);
        var hour = SeasonalSummary.HourOfWeek(t);
        ShareSeasonalWeights(sample, hour);
        for (var m = 0; m < Metrics.Count; m++)
        {
            var value = sample[(Metric)m];
            if (!Summarises((Metric)m, value)) continue;
            (summaries[m] ??= new MetricSummary((Metric)m)).Add(t, day, hour, value, weight);
        }
        if (keepsCycles) Cycles.Add(sample);
        Samples++;
        if (FirstUnixSeconds is null || t < FirstUnixSeconds) FirstUnixSeconds = t;
        if (LastUnixSeconds is null || t > LastUnixSeconds) LastUnixSeconds = t;
    }

    // CPU and memory utilisation, the two metrics with an hour-of-week shape, come together in almost every sample: the
    // shape made second borrows the first's array of hour weights (the same floats it would sum), holding apart the
    // few hours where they differ (a first reading or a restart has memory but no CPU rate): 0.65 KB a profile.
    private void ShareSeasonalWeights(in MetricSample sample, int hour)
    {
        var cpu = Summarises(Metric.CpuUtilisation, sample[Metric.CpuUtilisation]);
        var memory = Summarises(Metric.MemoryUtilisation, sample[Metric.MemoryUtilisation]);
        ref var cpuSummary = ref summaries[(int)Metric.CpuUtilisation];
        ref var memorySummary = ref summaries[(int)Metric.MemoryUtilisation];
        if (cpu) cpuSummary ??= memorySummary?.Seasonal is { } memoryShape ? new MetricSummary(Metric.CpuUtilisation, memoryShape.Lending()) : new MetricSummary(Metric.CpuUtilisation);
        if (memory) memorySummary ??= cpuSummary?.Seasonal is { } cpuShape ? new MetricSummary(Metric.MemoryUtilisation, cpuShape.Lending()) : new MetricSummary(Metric.MemoryUtilisation);
        if (cpu != memory)
        {
            cpuSummary?.Seasonal?.HoldApart(hour);
            memorySummary?.Seasonal?.HoldApart(hour);
        }
    }

    private bool Summarises(Metric metric, double value) => !double.IsNaN(value) && summarised?[(int)metric] != false;

    /// <summary>Counts a sample that the source reported as missing.</summary>
    public void FoldMissing() => MissingSamples++;

    private void RescaleAll(double factor)
    {
        foreach (var summary in summaries) summary?.Rescale(factor);
    }

    private long HalfLivesBefore(long unixSeconds) => Math.DivRem(unixSeconds, halfLifeSeconds) is var (q, r) && r < 0 ? q - 1 : q;

    internal void Restore(long? reference, long samples, long missing, long? first, long? last, IEnumerable<MetricSummary> restored, CycleHistory? cycles = null)
    {
        Cycles = cycles ?? new CycleHistory();
        ReferenceUnixSeconds = reference;
        Samples = samples;
        MissingSamples = missing;
        FirstUnixSeconds = first;
        LastUnixSeconds = last;
        foreach (var summary in restored) summaries[(int)summary.Metric] = summary;
        if (summaries[(int)Metric.CpuUtilisation]?.Seasonal is { } cpuShape)
            summaries[(int)Metric.MemoryUtilisation]?.Seasonal?.BorrowFrom(cpuShape);
        // A profile stored before references sat on whole half-lives: its weights are moved onto the grid once.
        if (reference is { } r && r % halfLifeSeconds != 0)
        {
            var aligned = HalfLivesBefore(r) * halfLifeSeconds;
            RescaleAll(double.Exp2((r - aligned) / (double)halfLifeSeconds));
            ReferenceUnixSeconds = aligned;
        }
    }
}
