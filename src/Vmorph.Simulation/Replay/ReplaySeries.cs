using Vmorph.Identity;
using Vmorph.Recommenders;

namespace Vmorph.Simulation.Replay;

/// <summary>
/// One VM's history as the replay uses it: flat arrays, one entry per step, oldest first. CPU is in cores (a CPU-only
/// trace's utilisation times the nominal capacity), memory in MiB; NaN where not measured. The provisioned columns are
/// what the trace says the VM had at each step.
/// </summary>
public sealed class ReplaySeries
{
    /// <summary>Creates a series; every array must have the same length and times must increase.</summary>
    public ReplaySeries(VmId vm, string name, string format, long[] unixSeconds, double[] cores, double[] memoryMiB, double[] provisionedCores, double[] provisionedMemoryMiB)
    {
        var n = unixSeconds.Length;
        if (cores.Length != n || memoryMiB.Length != n || provisionedCores.Length != n || provisionedMemoryMiB.Length != n)
            throw new ArgumentException($"VM {vm}: every column must have {n} steps");
        for (var i = 1; i < n; i++)
            if (unixSeconds[i] <= unixSeconds[i - 1])
                throw new ArgumentException($"VM {vm}: step {i} is not later than step {i - 1}");
        Vm = vm;
        Name = name;
        Format = format;
        UnixSeconds = unixSeconds;
        Cores = cores;
        MemoryMiB = memoryMiB;
        ProvisionedCores = provisionedCores;
        ProvisionedMemoryMiB = provisionedMemoryMiB;
    }

    /// <summary>The VM.</summary>
    public VmId Vm { get; }

    /// <summary>Its name in the trace.</summary>
    public string Name { get; }

    /// <summary>The trace format it came from.</summary>
    public string Format { get; }

    /// <summary>Step start times, seconds since the Unix epoch.</summary>
    public long[] UnixSeconds { get; }

    /// <summary>CPU used, cores.</summary>
    public double[] Cores { get; }

    /// <summary>Memory used, MiB.</summary>
    public double[] MemoryMiB { get; }

    /// <summary>CPU the trace provisioned, cores.</summary>
    public double[] ProvisionedCores { get; }

    /// <summary>Memory the trace provisioned, MiB (NaN for CPU-only traces).</summary>
    public double[] ProvisionedMemoryMiB { get; }

    /// <summary>The number of steps.</summary>
    public int Length => UnixSeconds.Length;

    /// <summary>Whether memory is part of the trace.</summary>
    public bool HasMemory => ProvisionedMemoryMiB.Length > 0 && !double.IsNaN(ProvisionedMemoryMiB[0]);

    /// <summary>The provisioned allocation at a step.</summary>
    public Allocation ProvisionedAt(int step) => new(ProvisionedCores[step], ProvisionedMemoryMiB[step]);

    /// <summary>The steps at or after <paramref name="fromUnixSeconds"/> (all of them when it is null).</summary>
    public ReplaySeries From(long? fromUnixSeconds) => Slice(fromUnixSeconds, null);

    /// <summary>The steps before <paramref name="untilUnixSeconds"/>.</summary>
    public ReplaySeries Before(long untilUnixSeconds) => Slice(null, untilUnixSeconds);

    /// <summary>The steps in [from, until).</summary>
    public ReplaySeries Slice(long? fromUnixSeconds, long? untilUnixSeconds)
    {
        var start = fromUnixSeconds is { } f ? LowerBound(f) : 0;
        var end = untilUnixSeconds is { } u ? LowerBound(u) : Length;
        if (end < start) end = start;
        if (start == 0 && end == Length) return this;
        return new ReplaySeries(Vm, Name, Format, UnixSeconds[start..end], Cores[start..end], MemoryMiB[start..end],
            ProvisionedCores[start..end], ProvisionedMemoryMiB[start..end]);
    }

    /// <summary>The typical interval between steps (the median), or five minutes for a series of fewer than two steps.</summary>
    public TimeSpan Step()
    {
        if (Length < 2) return TimeSpan.FromMinutes(5);
        var gaps = new long[Length - 1];
        for (var i = 1; i < Length; i++) gaps[i - 1] = UnixSeconds[i] - UnixSeconds[i - 1];
        Array.Sort(gaps);
        return TimeSpan.FromSeconds(gaps[gaps.Length / 2]);
    }

    private int LowerBound(long t)
    {
        var index = Array.BinarySearch(UnixSeconds, t);
        return index >= 0 ? index : ~index;
    }

    /// <summary>Joins series of the same VM (several files, several months) in time order; a repeated time keeps the first.</summary>
    public static ReplaySeries Concat(IReadOnlyList<ReplaySeries> parts)
    {
        if (parts.Count == 1) return parts[0];
        var first = parts[0];
        var rows = parts.SelectMany(p => Enumerable.Range(0, p.Length).Select(i => (Part: p, Index: i)))
            .OrderBy(r => r.Part.UnixSeconds[r.Index])
            .ToList();
        var kept = new List<(ReplaySeries Part, int Index)>(rows.Count);
        foreach (var r in rows)
            if (kept.Count == 0 || kept[^1].Part.UnixSeconds[kept[^1].Index] != r.Part.UnixSeconds[r.Index]) kept.Add(r);
        return new ReplaySeries(first.Vm, first.Name, first.Format,
            [.. kept.Select(r => r.Part.UnixSeconds[r.Index])],
            [.. kept.Select(r => r.Part.Cores[r.Index])],
            [.. kept.Select(r => r.Part.MemoryMiB[r.Index])],
            [.. kept.Select(r => r.Part.ProvisionedCores[r.Index])],
            [.. kept.Select(r => r.Part.ProvisionedMemoryMiB[r.Index])]);
    }
}
