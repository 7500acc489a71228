namespace Vmorph.Recommenders.Baselines;

/// <summary>
/// Autopilot's moving-window recommenders (K. Rzadca et al., "Autopilot: workload autoscaling at Google", EuroSys 2020,
/// §3.2–3.3). Usage is aggregated per 5-minute window into a histogram s[t] (CPU; one sample per trace step here) or a
/// peak (memory); past windows are weighted w[τ] = 2^(−τ/t½). As the paper assigns them for jobs that serve and do not
/// tolerate OOMs:
/// <list type="bullet">
/// <item>CPU: S_p95, the 95th percentile of the load-adjusted decayed histogram (each bucket's weight multiplied by the
/// bucket's value, so the percentile is of CPU-seconds, not of time), half-life 12 h;</item>
/// <item>memory: S_peak, the largest memory peak of the last N windows (N = 24 h here), no decay.</item>
/// </list>
/// The histogram has 400 buckets, as in the paper, spanning [0, 2 × provisioned]. The limit follows the recommendation
/// at every step (Autopilot changes limits in place).
/// </summary>
internal sealed class AutopilotMovingWindowRecommender : IRecommender
{
    private const int Buckets = 400;
    private const double CpuPercentile = 0.95;
    private static readonly double CpuHalfLifeSeconds = TimeSpan.FromHours(12).TotalSeconds;
    private static readonly long MemoryWindowSeconds = (long)TimeSpan.FromHours(24).TotalSeconds;

    private readonly double bucketWidth;
    private readonly double[] weights = new double[Buckets];
    private long reference = long.MinValue;
    private double total;
    private readonly LinkedList<(long At, double Peak)> memoryMax = new();

    public AutopilotMovingWindowRecommender(VmContext vm) => bucketWidth = Math.Max(vm.Provisioned.Cores, 0.1) * 2 / Buckets;

    public void Observe(in UsageSample sample)
    {
        if (sample.HasCpu)
        {
            if (reference == long.MinValue) reference = sample.UnixSeconds;
            var exponent = (sample.UnixSeconds - reference) / CpuHalfLifeSeconds;
            if (exponent > 60)
            {
                var factor = Math.Pow(2, -Math.Floor(exponent));
                for (var i = 0; i < Buckets; i++) weights[i] *= factor;
                total *= factor;
                reference += (long)(Math.Floor(exponent) * CpuHalfLifeSeconds);
                exponent -= Math.Floor(exponent);
            }
            var bucket = Math.Min(Buckets - 1, (int)(sample.Cores / bucketWidth));
            // Load-adjusted: the weight of a sample is its decay times the value of its bucket (upper bound).
            var w = Math.Pow(2, exponent) * (bucket + 1) * bucketWidth;
            weights[bucket] += w;
            total += w;
        }
        if (sample.HasMemory)
        {
            // A monotone deque keeps the window's maximum at its head.
            while (memoryMax.Count > 0 && memoryMax.Last!.Value.Peak <= sample.MemoryMiB) memoryMax.RemoveLast();
            memoryMax.AddLast((sample.UnixSeconds, sample.MemoryMiB));
        }
    }

    public Allocation Recommend(long nowUnixSeconds, Allocation current)
    {
        var result = current;
        if (total > 0)
        {
            var threshold = CpuPercentile * total;
            var cumulative = 0.0;
            var bucket = 0;
            for (; bucket < Buckets - 1; bucket++)
            {
                cumulative += weights[bucket];
                if (cumulative >= threshold) break;
            }
            result = result.WithCores((bucket + 1) * bucketWidth);
        }
        while (memoryMax.Count > 0 && memoryMax.First!.Value.At <= nowUnixSeconds - MemoryWindowSeconds) memoryMax.RemoveFirst();
        if (current.HasMemory && memoryMax.Count > 0) result = result.WithMemory(memoryMax.First!.Value.Peak);
        return result;
    }
}

/// <summary>Makes <see cref="AutopilotMovingWindowRecommender"/>s.</summary>
public sealed class AutopilotMovingWindowRecommenderFactory : IRecommenderFactory
{
    /// <inheritdoc />
    public string Name => "autopilot-mw";

    /// <inheritdoc />
    public string Description => "Autopilot moving window: CPU S_p95 of the load-adjusted histogram (12 h half-life), memory S_peak over 24 h";

    /// <inheritdoc />
    public string Source => "K. Rzadca et al., Autopilot: workload autoscaling at Google, EuroSys 2020, §3.2–3.3 (moving window recommenders)";

    /// <inheritdoc />
    public IRecommender Create(VmContext vm) => new AutopilotMovingWindowRecommender(vm);
}
