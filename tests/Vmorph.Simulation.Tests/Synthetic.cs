using Vmorph.Identity;
using Vmorph.Simulation.Replay;

namespace Vmorph.Simulation.Tests;

/// <summary>Synthetic series for tests.</summary>
internal static class Synthetic
{
    public static readonly long Start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    public static ReplaySeries Series(string vm, double[] cores, double[]? memory = null, double provisionedCores = 4, double provisionedMemory = 4096)
    {
        var n = cores.Length;
        return new ReplaySeries(new VmId(vm), vm, "synthetic",
            [.. Enumerable.Range(0, n).Select(i => Start + i * 300L)],
            cores,
            memory ?? [.. Enumerable.Repeat(1000.0, n)],
            [.. Enumerable.Repeat(provisionedCores, n)],
            [.. Enumerable.Repeat(provisionedMemory, n)]);
    }

    /// <summary>A bursty VM: quiet, with busy spells at pseudo-random times.</summary>
    public static ReplaySeries Bursty(string vm, int days, int seed)
    {
        var rng = new Random(seed);
        var n = days * 288;
        var cores = new double[n];
        var memory = new double[n];
        var busy = false;
        for (var i = 0; i < n; i++)
        {
            if (rng.NextDouble() < (busy ? 0.02 : 0.01)) busy = !busy;
            cores[i] = busy ? 3 + rng.NextDouble() : 0.05 + 0.05 * rng.NextDouble();
            memory[i] = busy ? 2500 + 200 * rng.NextDouble() : 900 + 50 * rng.NextDouble();
        }
        return Series(vm, cores, memory);
    }
}
