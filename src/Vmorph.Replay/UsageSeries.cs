using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Sources;
using Vmorph.Units;

namespace Vmorph.Replay;

/// <summary>
/// One trace VM's usage, compact: CPU in cores and memory in MiB as one <see cref="float"/> each per step of a regular
/// grid (NaN where the trace has no value: absent, never zero), and what the trace provisioned at its start. Immutable,
/// so every clone of the VM shares it: a Bitbrains month (8,640 five-minute steps) is about 68 KiB per trace VM,
/// whatever the number of clones.
/// </summary>
public sealed class UsageSeries
{
    private readonly float[] cores;
    private readonly float[] memoryMiB;

    /// <summary>Creates a series; both arrays have one value per step.</summary>
    public UsageSeries(VmId traceVm, string name, string format, DateTimeOffset start, TimeSpan step, float[] cores, float[] memoryMiB, VmConfiguration provisioned)
    {
        if (step <= TimeSpan.Zero || step.Ticks % TimeSpan.TicksPerSecond != 0)
            throw new ArgumentOutOfRangeException(nameof(step), step, $"trace VM {traceVm}: the step must be a positive whole number of seconds");
        if (cores.Length == 0 || cores.Length != memoryMiB.Length)
            throw new ArgumentException($"trace VM {traceVm}: CPU and memory need the same, non-zero number of steps ({cores.Length} and {memoryMiB.Length})");
        TraceVm = traceVm;
        Name = name;
        Format = format;
        Start = start;
        Step = step;
        this.cores = cores;
        this.memoryMiB = memoryMiB;
        Provisioned = provisioned;
        HasMemory = memoryMiB.Any(m => !float.IsNaN(m));
    }

    /// <summary>The VM's id in the trace (<c>bitbrains:17</c>).</summary>
    public VmId TraceVm { get; }

    /// <summary>Its name in the trace.</summary>
    public string Name { get; }

    /// <summary>The trace format (<c>bitbrains</c>, <c>azure-v1</c>, ...).</summary>
    public string Format { get; }

    /// <summary>The instant of step 0.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The length of one step.</summary>
    public TimeSpan Step { get; }

    /// <summary>The number of steps.</summary>
    public int Length => cores.Length;

    /// <summary>The time the series covers; a replay loops around after it.</summary>
    public TimeSpan Duration => Step * Length;

    /// <summary>What the trace gave the VM at its start (vCPUs and memory): the replayed VM's first allocation.</summary>
    public VmConfiguration Provisioned { get; }

    /// <summary>Whether the trace measured memory (CPU-only traces do not).</summary>
    public bool HasMemory { get; }

    /// <summary>The bytes its two arrays take (shared by every clone).</summary>
    public long ArrayBytes => (cores.Length + memoryMiB.Length) * (long)sizeof(float);

    /// <summary>CPU used at a step, cores; null where the trace has no value.</summary>
    public CpuCores? CoresAt(int step) => float.IsNaN(cores[step]) ? null : new CpuCores(cores[step]);

    /// <summary>Memory used at a step; null where the trace has no value.</summary>
    public MemorySize? MemoryAt(int step) => float.IsNaN(memoryMiB[step]) ? null : MemorySize.FromMiB(memoryMiB[step]);

    internal float RawCores(int step) => cores[step];

    internal float RawMemoryMiB(int step) => memoryMiB[step];

    /// <summary>
    /// Builds the series of a trace VM from its samples: the step is the median interval between samples, each sample
    /// goes to the nearest step of the grid from the first one (a second sample on the same step is dropped), steps no
    /// sample lands on are NaN. CPU is the sample's cores, else its utilisation times the provisioned vCPUs; memory its
    /// bytes, else its utilisation times the provisioned memory. Null when the trace VM has no sample.
    /// </summary>
    public static UsageSeries? From(VmId traceVm, string name, string format, IReadOnlyList<MetricSample> samples, IReadOnlyList<ConfigurationObservation> configurations, VmConfiguration nominal)
    {
        if (samples.Count == 0) return null;
        var ordered = samples.OrderBy(s => s.UnixSeconds).ToList();
        var provisioned = ProvisionedBy(ordered[0], configurations, nominal);
        var step = MedianStepSeconds(ordered);
        var start = ordered[0].UnixSeconds;
        var length = checked((int)((ordered[^1].UnixSeconds - start + step / 2) / step) + 1);
        var cores = new float[length];
        var memory = new float[length];
        Array.Fill(cores, float.NaN);
        Array.Fill(memory, float.NaN);
        var filled = new bool[length];
        var vcpus = provisioned.Vcpus ?? 1;
        var memoryMiB = provisioned.Memory?.Mebibytes ?? double.NaN;
        foreach (var s in ordered)
        {
            var index = (int)((s.UnixSeconds - start + step / 2) / step);
            if (filled[index]) continue;
            filled[index] = true;
            cores[index] = (float)(s.Cpu?.Value ?? (s.CpuUtilisation is { } u ? u.Value * vcpus : double.NaN));
            memory[index] = (float)(s.Memory?.Mebibytes ?? (s.MemoryUtilisation is { } m ? m.Value * memoryMiB : double.NaN));
        }
        return new UsageSeries(traceVm, name, format, DateTimeOffset.FromUnixTimeSeconds(start), TimeSpan.FromSeconds(step), cores, memory, provisioned);
    }

    /// <summary>
    /// The series of the same trace VM read from two files (two months) on one grid, the earlier's provisioning kept; a
    /// step both have keeps the earlier series' value. Null when their steps differ (they cannot share a grid).
    /// </summary>
    public static UsageSeries? Merge(UsageSeries earlier, UsageSeries later)
    {
        if (earlier.Step != later.Step) return null;
        if (later.Start < earlier.Start) (earlier, later) = (later, earlier);
        var step = earlier.Step.Ticks;
        var end = Math.Max(earlier.Start.UtcTicks + earlier.Duration.Ticks, later.Start.UtcTicks + later.Duration.Ticks);
        var length = checked((int)((end - earlier.Start.UtcTicks + step - 1) / step));
        var cores = new float[length];
        var memory = new float[length];
        Array.Fill(cores, float.NaN);
        Array.Fill(memory, float.NaN);
        foreach (var part in new[] { later, earlier })
        {
            var offset = (int)Math.Round((part.Start.UtcTicks - earlier.Start.UtcTicks) / (double)step);
            for (var i = 0; i < part.Length && offset + i < length; i++)
            {
                if (!float.IsNaN(part.cores[i])) cores[offset + i] = part.cores[i];
                if (!float.IsNaN(part.memoryMiB[i])) memory[offset + i] = part.memoryMiB[i];
            }
        }
        return new UsageSeries(earlier.TraceVm, earlier.Name, earlier.Format, earlier.Start, earlier.Step, cores, memory, earlier.Provisioned);
    }

    // The trace's first configuration where it has one, else the first sample's allocation, else the nominal size.
    private static VmConfiguration ProvisionedBy(MetricSample first, IReadOnlyList<ConfigurationObservation> configurations, VmConfiguration nominal)
    {
        var configured = configurations.OrderBy(c => c.When).FirstOrDefault()?.Configuration;
        var vcpus = configured?.Vcpus ?? (first.CpuAllocated is { } c ? (int?)Math.Ceiling(c.Value) : null) ?? nominal.Vcpus;
        var memory = configured?.Memory ?? first.MemoryAllocated ?? nominal.Memory;
        return new VmConfiguration { Vcpus = vcpus is > 0 ? vcpus : nominal.Vcpus, Memory = memory is { Bytes: > 0 } ? memory : nominal.Memory };
    }

    private static long MedianStepSeconds(List<MetricSample> ordered)
    {
        if (ordered.Count < 2) return 300;
        var gaps = new List<long>(ordered.Count - 1);
        for (var i = 1; i < ordered.Count; i++)
        {
            var gap = ordered[i].UnixSeconds - ordered[i - 1].UnixSeconds;
            if (gap > 0) gaps.Add(gap);
        }
        if (gaps.Count == 0) return 300;
        gaps.Sort();
        return gaps[gaps.Count / 2];
    }
}
