using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.Collection;

/// <summary>A metric sample made from two readings of counters, or why rates could not be had.</summary>
/// <param name="Sample">The sample, or null when not even gauges were read (the domain is not running).</param>
/// <param name="NoRates">Why the sample carries no rates (first reading, restart, a gap), or null when it does.</param>
public readonly record struct RateResult(MetricSample? Sample, string? NoRates);

/// <summary>
/// Turns cumulative counters into a <see cref="MetricSample"/> (pure). CPU in cores is the growth of <c>cpu.time</c> over
/// the wall time between two readings: the CPU the VM received. Its CPU demand is what it wanted, not only what it got: where
/// the guest's own CPU times were read in both readings, the CPUs' worth the guest was busy, each CPU's busy share of the
/// time it counted (a vCPU that waits for a host CPU passes that time as busy when the guest was busy and as idle when it
/// was idle, so a VM starved by a busy host or capped by a CPU quota reads its whole vCPU and an idle one on an
/// overloaded host reads what it uses), never less than it received; otherwise what it received plus the growth of its vCPUs' run delay (<c>vcpu.N.delay</c>: runnable, but
/// waiting for a host CPU, which on an overloaded host also counts an idle vCPU's wake-ups); disk and network rates are the growth of byte counters over the same time;
/// memory is a gauge from the balloon driver's guest statistics. Counters that went down (the domain restarted, a device
/// was re-added), a different runtime id, or a gap longer than <c>maxGap</c> give no rate for that reading: the next
/// reading is measured from this one. Nothing is ever interpolated or carried over.
/// </summary>
public static class RateCalculator
{
    /// <summary>Computes the sample for <paramref name="current"/> given the previous reading (null for the first).</summary>
    public static RateResult Compute(DomainCounters? previous, DomainCounters current, TimeSpan maxGap)
    {
        if (current.State != DomainState.Running) return new RateResult(null, "the domain is not running");

        CpuCores? cpu = null, demand = null;
        ByteRate? diskRead = null, diskWrite = null, networkReceive = null, networkTransmit = null;
        string? noRates = null;
        if (previous is null) noRates = "first reading: rates need two";
        else if (previous.RuntimeId != current.RuntimeId) noRates = "the domain restarted since the last reading: its counters began again";
        else
        {
            var seconds = current.MonotonicSeconds - previous.MonotonicSeconds;
            if (seconds <= 0) noRates = "no time passed since the last reading";
            else if (seconds > maxGap.TotalSeconds) noRates = $"{seconds:0} s since the last reading (more than {maxGap.TotalSeconds:0} s): no rate is made up across the gap";
            else
            {
                if (previous.CpuTimeNanoseconds is { } before && current.CpuTimeNanoseconds is { } after)
                {
                    if (after >= before) cpu = new CpuCores((after - before) / 1e9 / seconds);
                    else noRates = "cpu.time went back (the domain restarted)";
                }
                if (cpu is { } received)
                {
                    if (GuestBusyCores(previous.GuestCpu, current.GuestCpu) is { } busy) demand = new CpuCores(Math.Max(received.Value, busy));
                    else if (Waited(previous.VcpuDelays, current.VcpuDelays) is { } waitedNanoseconds)
                        demand = new CpuCores(received.Value + waitedNanoseconds / 1e9 / seconds);
                }
                (diskRead, diskWrite) = Rates(previous.Disks, current.Disks, seconds, ref noRates, "disk");
                (networkReceive, networkTransmit) = Rates(previous.Nics, current.Nics, seconds, ref noRates, "network");
            }
        }

        MemorySize? used = null;
        Fraction? memoryShare = null;
        if (current.BalloonAvailableKiB is { } available && available > 0)
        {
            var free = current.BalloonUsableKiB ?? current.BalloonUnusedKiB;
            if (free is { } f && f <= available)
            {
                used = MemorySize.FromKiB(available - f);
                memoryShare = new Fraction((available - f) / (double)available);
            }
        }
        CpuCores? allocatedCpu = current.Vcpus is > 0 ? new CpuCores(current.Vcpus.Value) : null;
        MemorySize? allocatedMemory = current.BalloonCurrentKiB is > 0 ? MemorySize.FromKiB(current.BalloonCurrentKiB.Value) : null;
        if (cpu is null && used is null && diskRead is null && networkReceive is null)
            return new RateResult(null, noRates ?? "the hypervisor reported neither cpu.time nor balloon statistics");
        // The share of its vCPUs the workload keeps busy: what it wanted where that is known, so that a VM starved by its
        // host still reads as the busy VM it is (its traits are the workload's, not the host's contention).
        Fraction? cpuShare = (demand ?? cpu) is { } wanted && allocatedCpu is { } vcpus ? new Fraction(Math.Clamp(wanted.Value / vcpus.Value, 0, 1)) : null;
        var sample = new MetricSample(current.At, cpu: cpu, cpuUtilisation: cpuShare, cpuAllocated: allocatedCpu, memory: used, memoryUtilisation: memoryShare,
            memoryAllocated: allocatedMemory, diskRead: diskRead, diskWrite: diskWrite, networkReceive: networkReceive, networkTransmit: networkTransmit, cpuDemand: demand);
        return new RateResult(sample, noRates);
    }

    // The CPUs' worth the guest was busy between two readings of its own CPU times: each CPU online in both adds its busy
    // share of the time it counted; null when none was, or a CPU's times went back (the guest rebooted).
    private static double? GuestBusyCores(IReadOnlyList<GuestCpuTime> before, IReadOnlyList<GuestCpuTime> after)
    {
        double busy = 0;
        var any = false;
        foreach (var cpu in after)
        {
            if (before.FirstOrDefault(c => c.Cpu == cpu.Cpu) is not { } old) continue;
            long busyGrowth = cpu.BusyMilliseconds - old.BusyMilliseconds, idleGrowth = cpu.IdleMilliseconds - old.IdleMilliseconds;
            if (busyGrowth < 0 || idleGrowth < 0) return null;
            if (busyGrowth + idleGrowth == 0) continue;
            busy += busyGrowth / (double)(busyGrowth + idleGrowth);
            any = true;
        }
        return any ? busy : null;
    }

    // The run delay the vCPUs present in both readings accumulated between them; null when none was read in both, or a
    // vCPU's counter went back (its thread began again: unplugged and plugged, or the domain restarted).
    private static long? Waited(IReadOnlyList<VcpuDelay> before, IReadOnlyList<VcpuDelay> after)
    {
        long waited = 0;
        var any = false;
        foreach (var vcpu in after)
        {
            if (before.FirstOrDefault(d => d.Vcpu == vcpu.Vcpu) is not { } old) continue;
            if (vcpu.Nanoseconds < old.Nanoseconds) return null;
            waited += vcpu.Nanoseconds - old.Nanoseconds;
            any = true;
        }
        return any ? waited : null;
    }

    // Sums the growth of the devices present in both readings; a device whose counter went down spoils the sum.
    private static (ByteRate?, ByteRate?) Rates(IReadOnlyList<DeviceCounters> before, IReadOnlyList<DeviceCounters> after, double seconds, ref string? noRates, string what)
    {
        if (after.Count == 0) return (null, null);
        double inBytes = 0, outBytes = 0;
        bool anyIn = false, anyOut = false;
        foreach (var device in after)
        {
            var old = before.FirstOrDefault(d => d.Name == device.Name);
            if (old is null) continue;
            if (old.In is { } i0 && device.In is { } i1)
            {
                if (i1 < i0) { noRates ??= $"{what} counters of {device.Name} went back (reset)"; return (null, null); }
                inBytes += i1 - i0;
                anyIn = true;
            }
            if (old.Out is { } o0 && device.Out is { } o1)
            {
                if (o1 < o0) { noRates ??= $"{what} counters of {device.Name} went back (reset)"; return (null, null); }
                outBytes += o1 - o0;
                anyOut = true;
            }
        }
        return (anyIn ? new ByteRate(inBytes / seconds) : null, anyOut ? new ByteRate(outBytes / seconds) : null);
    }
}
