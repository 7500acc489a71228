using System.Runtime.CompilerServices;
using Vmorph.Units;

namespace Vmorph.Observations;

/// <summary>
/// One measurement of a VM's resource use at one instant. Any metric may be absent (a trace that has CPU only, a NIC
/// without counters); absent is not zero. Utilisation is derived from use and allocation where the source gave only one
/// of them. Stored flat (NaN for absent) so that folding millions of samples allocates nothing.
/// </summary>
public readonly struct MetricSample : IEquatable<MetricSample>
{
    private readonly MetricValues values;

    /// <summary>Creates a sample. Every measurement is optional.</summary>
    public MetricSample(
        DateTimeOffset at,
        CpuCores? cpu = null,
        Fraction? cpuUtilisation = null,
        CpuCores? cpuAllocated = null,
        MemorySize? memory = null,
        Fraction? memoryUtilisation = null,
        MemorySize? memoryAllocated = null,
        ByteRate? diskRead = null,
        ByteRate? diskWrite = null,
        ByteRate? networkReceive = null,
        ByteRate? networkTransmit = null,
        CpuCores? cpuDemand = null)
    {
        UnixSeconds = at.ToUnixTimeSeconds();
        CpuAllocated = cpuAllocated;
        CpuDemand = cpuDemand;
        MemoryAllocated = memoryAllocated;
        var cpuCores = cpu?.Value ?? double.NaN;
        var cpuShare = cpuUtilisation?.Value ?? double.NaN;
        var allocatedCores = cpuAllocated?.Value ?? double.NaN;
        if (double.IsNaN(cpuShare) && !double.IsNaN(cpuCores) && allocatedCores > 0)
            cpuShare = Math.Clamp(cpuCores / allocatedCores, 0, 1);
        if (double.IsNaN(cpuCores) && !double.IsNaN(cpuShare) && allocatedCores > 0)
            cpuCores = cpuShare * allocatedCores;

        var memoryBytes = memory?.Bytes ?? double.NaN;
        var memoryShare = memoryUtilisation?.Value ?? double.NaN;
        var allocatedBytes = memoryAllocated?.Bytes ?? double.NaN;
        if (double.IsNaN(memoryShare) && !double.IsNaN(memoryBytes) && allocatedBytes > 0)
            memoryShare = Math.Clamp(memoryBytes / allocatedBytes, 0, 1);
        if (double.IsNaN(memoryBytes) && !double.IsNaN(memoryShare) && allocatedBytes > 0)
            memoryBytes = memoryShare * allocatedBytes;

        values[(int)Metric.Cpu] = cpuCores;
        values[(int)Metric.CpuUtilisation] = cpuShare;
        values[(int)Metric.Memory] = memoryBytes;
        values[(int)Metric.MemoryUtilisation] = memoryShare;
        values[(int)Metric.DiskRead] = diskRead?.BytesPerSecond ?? double.NaN;
        values[(int)Metric.DiskWrite] = diskWrite?.BytesPerSecond ?? double.NaN;
        values[(int)Metric.NetworkReceive] = networkReceive?.BytesPerSecond ?? double.NaN;
        values[(int)Metric.NetworkTransmit] = networkTransmit?.BytesPerSecond ?? double.NaN;
    }

    /// <summary>When the sample was taken, in seconds since the Unix epoch.</summary>
    public long UnixSeconds { get; }

    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset At => DateTimeOffset.FromUnixTimeSeconds(UnixSeconds);

    /// <summary>The CPU allocated to the VM at that instant, where the source says.</summary>
    public CpuCores? CpuAllocated { get; }

    /// <summary>The memory allocated to the VM at that instant, where the source says.</summary>
    public MemorySize? MemoryAllocated { get; }

    /// <summary>
    /// The CPU the VM wanted, where the source can tell: what it used (<see cref="Cpu"/>) plus the time its vCPUs were
    /// runnable but waited for a host CPU (a busy host, a CPU quota). Absent where only use is known (traces, a
    /// hypervisor that reports no per-vCPU delay). Not part of the profile's distributions: they stay what was used.
    /// </summary>
    public CpuCores? CpuDemand { get; }

    /// <summary>The CPU the VM wanted where known (<see cref="CpuDemand"/>), else what it used.</summary>
    public CpuCores? CpuWanted => CpuDemand ?? Cpu;

    /// <summary>CPU in use.</summary>
    public CpuCores? Cpu => Has(Metric.Cpu) ? new CpuCores(this[Metric.Cpu]) : null;

    /// <summary>CPU in use as a share of the allocation.</summary>
    public Fraction? CpuUtilisation => Has(Metric.CpuUtilisation) ? new Fraction(this[Metric.CpuUtilisation]) : null;

    /// <summary>Memory in use.</summary>
    public MemorySize? Memory => Has(Metric.Memory) ? new MemorySize(this[Metric.Memory]) : null;

    /// <summary>Memory in use as a share of the allocation.</summary>
    public Fraction? MemoryUtilisation => Has(Metric.MemoryUtilisation) ? new Fraction(this[Metric.MemoryUtilisation]) : null;

    /// <summary>Disk read throughput.</summary>
    public ByteRate? DiskRead => Has(Metric.DiskRead) ? new ByteRate(this[Metric.DiskRead]) : null;

    /// <summary>Disk write throughput.</summary>
    public ByteRate? DiskWrite => Has(Metric.DiskWrite) ? new ByteRate(this[Metric.DiskWrite]) : null;

    /// <summary>Network receive throughput.</summary>
    public ByteRate? NetworkReceive => Has(Metric.NetworkReceive) ? new ByteRate(this[Metric.NetworkReceive]) : null;

    /// <summary>Network transmit throughput.</summary>
    public ByteRate? NetworkTransmit => Has(Metric.NetworkTransmit) ? new ByteRate(this[Metric.NetworkTransmit]) : null;

    /// <summary>The raw value of a metric in its <see cref="Metrics.Unit"/>, NaN where it was not measured.</summary>
    public double this[Metric metric]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => values[(int)metric];
    }

    /// <summary>Whether a metric was measured.</summary>
    public bool Has(Metric metric) => !double.IsNaN(values[(int)metric]);

    /// <inheritdoc />
    public bool Equals(MetricSample other)
    {
        if (UnixSeconds != other.UnixSeconds || CpuAllocated != other.CpuAllocated || MemoryAllocated != other.MemoryAllocated || CpuDemand != other.CpuDemand)
            return false;
        for (var i = 0; i < Metrics.Count; i++)
            if (!values[i].Equals(other.values[i])) return false;
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MetricSample other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(UnixSeconds, values[0], values[2]);

    /// <summary>Equality of two samples.</summary>
    public static bool operator ==(MetricSample left, MetricSample right) => left.Equals(right);

    /// <summary>Inequality of two samples.</summary>
    public static bool operator !=(MetricSample left, MetricSample right) => !left.Equals(right);

    [InlineArray(Metrics.Count)]
    private struct MetricValues
    {
        private double element;
    }
}
