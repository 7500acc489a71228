namespace Vmorph.Recommenders.Baselines;

/// <summary>
/// The Kubernetes Vertical Pod Autoscaler, recommender and updater, with their default flags, applied to a VM as to
/// a single-container pod whose request is the VM's allocation. Source: kubernetes/autoscaler,
/// <c>vertical-pod-autoscaler/pkg/recommender/logic/recommender.go</c> and <c>estimator.go</c> (target = P90 of CPU usage
/// and P90 of memory peaks, 15 % margin, minimum 25 millicores and 250 MiB, lower bound P50 and upper bound P95 with the
/// confidence multipliers), <c>pkg/recommender/model/aggregations_config.go</c> (24 h half-lives, buckets growing 5 %
/// from 0.01 core and 10 MB, one memory peak per 24 h interval, 8 intervals, OOM bump-up max(+100 MiB, ×1.2)),
/// <c>model/container.go</c> (peaks per interval, <c>RecordOOM</c>), <c>model/aggregate_container_state.go</c> (CPU samples
/// weighted by the request, at least 0.1), and the updater, <c>pkg/updater/priority/update_priority_calculator.go</c>:
/// a pod is updated when its request is outside [lower bound, upper bound], or when it has lived 12 h and the
/// requests differ from the target by at least 10 % in sum, or after an OOM within 10 minutes of its start.
/// </summary>
internal sealed class VpaRecommender : IRecommender
{
    private const double SafetyMargin = 0.15;
    private const double MinCpuCores = 0.025;
    private const double MinMemoryBytes = 250.0 * 1024 * 1024;
    private const double OomMinBumpUpBytes = 100.0 * 1024 * 1024;
    private const double OomBumpUpRatio = 1.2;
    private const double MinSampleWeight = 0.1;
    private const double Epsilon = 0.001 * MinSampleWeight;
    private const double MinChangePriority = 0.1;
    private static readonly long MemoryIntervalSeconds = (long)TimeSpan.FromHours(24).TotalSeconds;
    private static readonly long PodLifetimeUpdateThresholdSeconds = (long)TimeSpan.FromHours(12).TotalSeconds;
    private static readonly long EvictAfterOomSeconds = (long)TimeSpan.FromMinutes(10).TotalSeconds;

    private readonly VpaHistogram cpu = new(1000.0, 0.01, 1.05, Epsilon, TimeSpan.FromHours(24));
    private readonly VpaHistogram memoryPeaks = new(1e12, 1e7, 1.05, Epsilon, TimeSpan.FromHours(24));
    private readonly double samplesPerStep;
    private long? firstSample;
    private long lastSample;
    private double totalSamples;

    // Memory peak of the current aggregation interval (container.go).
    private double memoryPeak;
    private double oomPeak;
    private long windowEnd;
    private bool hasWindow;
    private long lastMemorySample = long.MinValue;

    private long podStart = long.MinValue;
    private long? lastOom;

    public VpaRecommender(VmContext vm) =>
        // VPA's confidence counts one sample a minute; a five-minute trace step stands for five of them.
        samplesPerStep = Math.Max(1, vm.Step.TotalSeconds / 60);

    public void Observe(in UsageSample sample)
    {
        if (podStart == long.MinValue) podStart = sample.UnixSeconds;
        if (sample.HasCpu)
        {
            cpu.Add(sample.Cores, Math.Max(sample.InForce.Cores, MinSampleWeight), sample.UnixSeconds);
            firstSample ??= sample.UnixSeconds;
            lastSample = sample.UnixSeconds;
            totalSamples += samplesPerStep;
        }
        if (sample.HasMemory)
        {
            AddMemorySample(sample.MemoryMiB * 1024 * 1024, sample.UnixSeconds, isOom: false);
            if (sample.OutOfMemory) RecordOom(sample.UnixSeconds, sample.InForce.MemoryMiB * 1024 * 1024);
        }
    }

    public Allocation Recommend(long nowUnixSeconds, Allocation current)
    {
        if (cpu.IsEmpty) return current;
        var confidence = Confidence();
        var targetCpu = Math.Max(cpu.Percentile(0.9) * (1 + SafetyMargin), MinCpuCores);
        var lowerCpu = Math.Max(cpu.Percentile(0.5) * (1 + SafetyMargin), MinCpuCores) * Math.Pow(1 + 0.001 / confidence, -2);
        var upperCpu = Math.Max(cpu.Percentile(0.95) * (1 + SafetyMargin), MinCpuCores) * Math.Pow(1 + 1.0 / confidence, 1);

        var target = current.WithCores(targetCpu);
        var outside = current.Cores < lowerCpu || current.Cores > upperCpu;
        var diff = Math.Abs(current.Cores - targetCpu) / Math.Max(current.Cores, 1e-3);
        if (current.HasMemory && !memoryPeaks.IsEmpty)
        {
            var targetMemory = Math.Max(memoryPeaks.Percentile(0.9) * (1 + SafetyMargin), MinMemoryBytes);
            var lowerMemory = Math.Max(memoryPeaks.Percentile(0.5) * (1 + SafetyMargin), MinMemoryBytes) * Math.Pow(1 + 0.001 / confidence, -2);
            var upperMemory = Math.Max(memoryPeaks.Percentile(0.95) * (1 + SafetyMargin), MinMemoryBytes) * Math.Pow(1 + 1.0 / confidence, 1);
            var currentBytes = current.MemoryMiB * 1024 * 1024;
            target = target.WithMemory(targetMemory / (1024 * 1024));
            outside |= currentBytes < lowerMemory || currentBytes > upperMemory;
            diff += Math.Abs(currentBytes - targetMemory) / Math.Max(currentBytes, 1);
        }

        var quickOom = lastOom is { } oom && oom - podStart < EvictAfterOomSeconds;
        var update = outside || quickOom || (nowUnixSeconds - podStart >= PodLifetimeUpdateThresholdSeconds && diff >= MinChangePriority);
        if (quickOom && diff == 0) update = false;
        if (!update) return current;
        // The eviction starts a new pod with the target as its request.
        podStart = nowUnixSeconds;
        lastOom = null;
        return target;
    }

    /// <summary><c>getConfidence</c>: min(lifespan in days, samples / (60·24)).</summary>
    private double Confidence()
    {
        if (firstSample is not { } first) return 0;
        var lifespanDays = (lastSample - first) / 86400.0;
        return Math.Min(lifespanDays, totalSamples / (60 * 24));
    }

    private void AddMemorySample(double bytes, long unixSeconds, bool isOom)
    {
        if (!isOom && unixSeconds < lastMemorySample) return;
        lastMemorySample = unixSeconds;
        if (!hasWindow)
        {
            windowEnd = unixSeconds;
            hasWindow = true;
        }
        var addNewPeak = false;
        if (unixSeconds < windowEnd)
        {
            var oldMax = Math.Max(memoryPeak, oomPeak);
            if (oldMax != 0 && bytes > oldMax)
            {
                memoryPeaks.Subtract(oldMax, 1.0, windowEnd);
                addNewPeak = true;
            }
        }
        else
        {
            var shift = (unixSeconds - windowEnd) / MemoryIntervalSeconds * MemoryIntervalSeconds + MemoryIntervalSeconds;
            windowEnd += shift;
            memoryPeak = 0;
            oomPeak = 0;
            addNewPeak = true;
        }
        if (!addNewPeak) return;
        memoryPeaks.Add(bytes, 1.0, windowEnd);
        if (isOom) oomPeak = bytes;
        else memoryPeak = bytes;
    }

    private void RecordOom(long unixSeconds, double requestBytes)
    {
        if (unixSeconds < windowEnd - MemoryIntervalSeconds) return;
        var used = Math.Max(requestBytes, memoryPeak);
        var needed = Math.Max(used + OomMinBumpUpBytes, used * OomBumpUpRatio);
        AddMemorySample(needed, unixSeconds, isOom: true);
        lastOom = unixSeconds;
    }
}

/// <summary>Makes <see cref="VpaRecommender"/>s.</summary>
public sealed class VpaRecommenderFactory : IRecommenderFactory
{
    /// <inheritdoc />
    public string Name => "vpa";

    /// <inheritdoc />
    public string Description => "Kubernetes VPA: P90 of CPU and of daily memory peaks (24 h half-life) + 15 %, OOM bump-up, updater bounds and 12 h rule";

    /// <inheritdoc />
    public string Source => "kubernetes/autoscaler vertical-pod-autoscaler: pkg/recommender/logic/{recommender,estimator}.go, pkg/recommender/model/{aggregations_config,container,aggregate_container_state}.go, pkg/updater/priority/update_priority_calculator.go";

    /// <inheritdoc />
    public IRecommender Create(VmContext vm) => new VpaRecommender(vm);
}
