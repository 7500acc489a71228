using BenchmarkDotNet.Attributes;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Units;

namespace Vmorph.Benchmarks;

/// <summary>
/// Folding samples into a profile: the hot path of every import and collection cycle. Each operation folds
/// <see cref="SamplesPerOperation"/> five-minute samples with every metric present (the Bitbrains shape), so
/// samples per second = SamplesPerOperation / mean time.
/// </summary>
[MemoryDiagnoser]
public class FoldingBenchmarks
{
    public const int SamplesPerOperation = 1_000_000;
    private MetricSample[] samples = [];

    [GlobalSetup]
    public void Setup() => samples = SyntheticSamples(SamplesPerOperation, seed: 42);

    [Benchmark(OperationsPerInvoke = SamplesPerOperation, Description = "fold one sample (8 metrics)")]
    public PersonalityProfile FoldAllMetrics()
    {
        var profile = new PersonalityProfile(new VmId("bench:1"), "1", "bench");
        foreach (ref readonly var sample in samples.AsSpan()) profile.Fold(sample);
        return profile;
    }

    internal static MetricSample[] SyntheticSamples(int count, int seed)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2013, 7, 1, 0, 0, 0, TimeSpan.Zero);
        var result = new MetricSample[count];
        for (var i = 0; i < count; i++)
        {
            var share = Math.Clamp(0.3 + 0.3 * Math.Sin(i * 2 * Math.PI / 288) + 0.1 * random.NextDouble(), 0, 1);
            result[i] = new MetricSample(start.AddSeconds(300L * i),
                cpuUtilisation: new Fraction(share), cpuAllocated: new CpuCores(4),
                memory: MemorySize.FromGiB(2 + 4 * random.NextDouble()), memoryAllocated: MemorySize.FromGiB(8),
                diskRead: ByteRate.FromKiBPerSecond(100 * random.NextDouble()), diskWrite: ByteRate.FromKiBPerSecond(300 * random.NextDouble()),
                networkReceive: ByteRate.FromKiBPerSecond(20 * random.NextDouble()), networkTransmit: ByteRate.FromKiBPerSecond(40 * random.NextDouble()));
        }
        return result;
    }
}
