namespace Vmorph.Guard;

/// <summary>
/// One measurement of the signals the guard judges, from libvirt domain statistics (and the guest where present). Any
/// of them may be missing (absent is not zero).
/// </summary>
public readonly record struct GuardSample
{
    /// <summary>When it was taken.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>CPU time used as a share of the vCPUs allocated, 0 to 1 (cpu.time over the interval / vCPUs).</summary>
    public double? CpuUtilisation { get; init; }

    /// <summary>Memory in use as a share of the memory the guest has, 0 to 1.</summary>
    public double? MemoryUtilisation { get; init; }

    /// <summary>Major page faults per second (balloon.major_fault over the interval).</summary>
    public double? MajorFaultsPerSecond { get; init; }

    /// <summary>Bytes swapped in per second (balloon.swap_in over the interval).</summary>
    public double? SwapInBytesPerSecond { get; init; }

    /// <summary>Mean time per disk operation in seconds (block.N.rd/wr times over requests).</summary>
    public double? DiskLatencySeconds { get; init; }

    /// <summary>Disk bytes read and written per second.</summary>
    public double? DiskThroughputBytesPerSecond { get; init; }
}

/// <summary>The result of one health probe (TCP connect or HTTP GET to the guest).</summary>
/// <param name="At">When it ran.</param>
/// <param name="Success">Whether the guest answered as expected in time.</param>
/// <param name="Latency">How long it took, when it answered.</param>
public sealed record ProbeResult(DateTimeOffset At, bool Success, TimeSpan? Latency = null);
