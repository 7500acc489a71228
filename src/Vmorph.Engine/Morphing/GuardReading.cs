using Vmorph.Guard;

namespace Vmorph.Morphing;

/// <summary>
/// A VM's cumulative counters at one instant, as libvirt's domain statistics give them (<c>cpu.time</c>,
/// <c>balloon.*</c>, <c>block.N.*</c>), summed over disks. Absent counters are null, never zero.
/// </summary>
public sealed record GuardReading
{
    /// <summary>When it was read (wall clock).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>When it was read, in seconds of a monotonic clock: rates are computed from this.</summary>
    public required double MonotonicSeconds { get; init; }

    /// <summary>The running instance's id; a different one means the VM restarted and its counters began again.</summary>
    public int? RuntimeId { get; init; }

    /// <summary>CPU time used (<c>cpu.time</c>), nanoseconds.</summary>
    public long? CpuTimeNanoseconds { get; init; }

    /// <summary>vCPUs online (<c>vcpu.current</c>).</summary>
    public int? Vcpus { get; init; }

    /// <summary>The guest's MemTotal (<c>balloon.available</c>), KiB.</summary>
    public long? MemoryAvailableKiB { get; init; }

    /// <summary>The guest's MemAvailable (<c>balloon.usable</c>), KiB.</summary>
    public long? MemoryUsableKiB { get; init; }

    /// <summary>Major page faults so far (<c>balloon.major_fault</c>).</summary>
    public long? MajorFaults { get; init; }

    /// <summary>Memory swapped in so far (<c>balloon.swap_in</c>), KiB.</summary>
    public long? SwapInKiB { get; init; }

    /// <summary>Disk requests so far, reads and writes (<c>block.N.rd.reqs + wr.reqs</c>).</summary>
    public long? DiskRequests { get; init; }

    /// <summary>Time spent on disk requests so far (<c>block.N.rd.times + wr.times</c>), nanoseconds.</summary>
    public long? DiskTimeNanoseconds { get; init; }

    /// <summary>Bytes read and written so far (<c>block.N.rd.bytes + wr.bytes</c>).</summary>
    public long? DiskBytes { get; init; }
}

/// <summary>Turns two consecutive readings into one <see cref="GuardSample"/> (pure).</summary>
public static class GuardSampling
{
    /// <summary>
    /// The sample over the interval from <paramref name="before"/> to <paramref name="after"/>, or null when no rate can
    /// be taken (the VM restarted between them, or no time passed). A counter that went backwards gives no value.
    /// </summary>
    public static GuardSample? Between(GuardReading before, GuardReading after)
    {
        var seconds = after.MonotonicSeconds - before.MonotonicSeconds;
        if (seconds <= 0 || before.RuntimeId != after.RuntimeId) return null;
        double? Rate(long? a, long? b) => a is { } x && b is { } y && y >= x ? (y - x) / seconds : null;

        double? cpu = Rate(before.CpuTimeNanoseconds, after.CpuTimeNanoseconds) is { } ns && after.Vcpus is > 0
            ? Math.Clamp(ns / 1e9 / after.Vcpus.Value, 0, 1)
            : null;
        double? memory = after.MemoryAvailableKiB is > 0 && after.MemoryUsableKiB is { } usable
            ? Math.Clamp((after.MemoryAvailableKiB.Value - usable) / (double)after.MemoryAvailableKiB.Value, 0, 1)
            : null;
        var requests = Rate(before.DiskRequests, after.DiskRequests);
        var time = Rate(before.DiskTimeNanoseconds, after.DiskTimeNanoseconds);
        double? latency = requests is > 0 && time is { } t ? t / requests.Value / 1e9 : null;
        return new GuardSample
        {
            At = after.At,
            CpuUtilisation = cpu,
            MemoryUtilisation = memory,
            MajorFaultsPerSecond = Rate(before.MajorFaults, after.MajorFaults),
            SwapInBytesPerSecond = Rate(before.SwapInKiB, after.SwapInKiB) is { } kib ? kib * 1024 : null,
            DiskLatencySeconds = latency,
            DiskThroughputBytesPerSecond = Rate(before.DiskBytes, after.DiskBytes),
        };
    }
}
