namespace Vmorph.Recommenders.Baselines;

/// <summary>
/// AWS Compute Optimizer's EC2 rightsizing rule with its default preferences (AWS Compute Optimizer User Guide,
/// "Rightsizing recommendation preferences"; API <c>UtilizationPreference</c>/<c>CustomizableMetricParameters</c>):
/// CPU sized to the P99.5 of CPU utilisation over the look-back period (14 days by default) with 20 % headroom; memory
/// (which needs the CloudWatch agent, and whose threshold is not configurable) to the largest memory use over the
/// look-back with 20 % headroom. Recommendations are refreshed once a day (here at 00:00 UTC); the first one is made
/// after the first full day of data. The catalogue of instance types is replaced by the common allocation grid.
/// </summary>
internal sealed class AwsComputeOptimizerRecommender : IRecommender
{
    private const double CpuPercentile = 0.995;
    private const double CpuHeadroom = 0.20;
    private const double MemoryHeadroom = 0.20;
    private static readonly long LookbackSeconds = (long)TimeSpan.FromDays(14).TotalSeconds;

    private readonly Queue<(long At, double Cores, double MemoryMiB)> window = new();
    private long? firstSample;
    private long lastEvaluatedDay = long.MinValue;
    private Allocation? recommendation;

    public void Observe(in UsageSample sample)
    {
        firstSample ??= sample.UnixSeconds;
        window.Enqueue((sample.UnixSeconds, sample.Cores, sample.MemoryMiB));
    }

    public Allocation Recommend(long nowUnixSeconds, Allocation current)
    {
        var day = Math.DivRem(nowUnixSeconds, 86400L, out _);
        if (day != lastEvaluatedDay && firstSample is { } first && nowUnixSeconds - first >= 86400)
        {
            lastEvaluatedDay = day;
            while (window.Count > 0 && window.Peek().At < nowUnixSeconds - LookbackSeconds) window.Dequeue();
            var cpu = window.Where(w => !double.IsNaN(w.Cores)).Select(w => w.Cores).Order().ToArray();
            var memory = window.Where(w => !double.IsNaN(w.MemoryMiB)).Select(w => w.MemoryMiB).ToArray();
            if (cpu.Length > 0)
            {
                // Nearest-rank percentile.
                var p995 = cpu[Math.Clamp((int)Math.Ceiling(CpuPercentile * cpu.Length) - 1, 0, cpu.Length - 1)];
                var next = current.WithCores(p995 * (1 + CpuHeadroom));
                if (current.HasMemory && memory.Length > 0) next = next.WithMemory(memory.Max() * (1 + MemoryHeadroom));
                recommendation = next;
            }
        }
        return recommendation is { } r ? (current.HasMemory ? r : r with { MemoryMiB = double.NaN }) : current;
    }
}

/// <summary>Makes <see cref="AwsComputeOptimizerRecommender"/>s.</summary>
public sealed class AwsComputeOptimizerRecommenderFactory : IRecommenderFactory
{
    /// <inheritdoc />
    public string Name => "aws-co";

    /// <inheritdoc />
    public string Description => "AWS Compute Optimizer: P99.5 of CPU over 14 days + 20 % headroom, memory maximum + 20 %, re-evaluated daily";

    /// <inheritdoc />
    public string Source => "AWS Compute Optimizer User Guide, Rightsizing recommendation preferences (CPU threshold P99.5, CPU headroom 20 %, memory headroom 20 %, 14-day look-back); API reference CustomizableMetricParameters";

    /// <inheritdoc />
    public IRecommender Create(VmContext vm) => new AwsComputeOptimizerRecommender();
}
