using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.Domain.Tests;

/// <summary>Synthetic samples with known shapes, seeded so every run is the same.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Monday = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Five-minute samples for <paramref name="days"/> days; <paramref name="cpuShare"/> maps a time to a CPU share.</summary>
    public static List<MetricSample> Series(int days, Func<DateTimeOffset, Random, double> cpuShare, int seed = 1, double cores = 4, double memoryShare = 0.5,
        double diskReadKiB = 50, double diskWriteKiB = 50, double netRxKiB = 20, double netTxKiB = 20)
    {
        var random = new Random(seed);
        var list = new List<MetricSample>(days * 288);
        for (var i = 0; i < days * 288; i++)
        {
            var at = Monday.AddMinutes(5 * i);
            var share = Math.Clamp(cpuShare(at, random), 0, 1);
            list.Add(new MetricSample(at,
                cpuUtilisation: new Fraction(share),
                cpuAllocated: new CpuCores(cores),
                memory: MemorySize.FromGiB(8 * Math.Clamp(memoryShare + 0.02 * (random.NextDouble() - 0.5), 0, 1)),
                memoryAllocated: MemorySize.FromGiB(8),
                diskRead: ByteRate.FromKiBPerSecond(diskReadKiB * (0.5 + random.NextDouble())),
                diskWrite: ByteRate.FromKiBPerSecond(diskWriteKiB * (0.5 + random.NextDouble())),
                networkReceive: ByteRate.FromKiBPerSecond(netRxKiB * (0.5 + random.NextDouble())),
                networkTransmit: ByteRate.FromKiBPerSecond(netTxKiB * (0.5 + random.NextDouble()))));
        }
        return list;
    }

    /// <summary>Busy on weekdays 09–17, quiet otherwise.</summary>
    public static double OfficeHours(DateTimeOffset at, Random random) =>
        (at.DayOfWeek is not DayOfWeek.Saturday and not DayOfWeek.Sunday && at.Hour is >= 9 and < 17 ? 0.7 : 0.05) + 0.05 * random.NextDouble();

    /// <summary>Always busy.</summary>
    public static double Saturated(DateTimeOffset at, Random random) => 0.9 + 0.1 * random.NextDouble();

    /// <summary>Uniform noise in [lo, hi).</summary>
    public static Func<DateTimeOffset, Random, double> Noise(double lo, double hi) => (_, r) => lo + (hi - lo) * r.NextDouble();
}
