using System.Globalization;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Replay;

/// <summary>
/// One replayed VM: its usage comes from a trace VM's <see cref="UsageSeries"/> (shared with its clones), looped
/// around at the end, and its allocation is its own, changed by morphs. It always runs. Its cumulative CPU counter
/// grows by the trace's CPU use capped at the vCPUs (and CPU quota) in force at each instant, so two readings give the
/// trace's use over the interval as far as the allocation let the VM have it; <see cref="DemandAt"/> keeps the uncapped
/// use, so a shortfall can be told. Thread-safe: readings, morphs and restarts of one VM are serialised.
/// </summary>
public sealed class ReplayVm
{
    private readonly Lock gate = new();
    private readonly long originTicks;
    private VmConfiguration live;
    private VmConfiguration defined;
    private double cpuSeconds;
    private long integratedUntilTicks;
    private bool counting;
    private double cpuCap;
    private int runtimeId;
    private Dictionary<string, (VmConfiguration Live, VmConfiguration Defined)>? snapshots;

    internal ReplayVm(VmId id, string name, UsageSeries series, DateTimeOffset origin, VmConfiguration initial)
    {
        Id = id;
        Name = name;
        Series = series;
        originTicks = origin.UtcTicks;
        live = initial;
        defined = initial;
        runtimeId = 1;
        cpuCap = CpuCap(initial);
    }

    /// <summary>The replayed VM's id (<c>replay:bitbrains:17</c>, clones <c>replay:bitbrains:17~2</c>).</summary>
    public VmId Id { get; }

    /// <summary>Its domain name (<c>bitbrains-17</c>, clones <c>bitbrains-17~2</c>).</summary>
    public string Name { get; }

    /// <summary>The trace VM whose usage it replays.</summary>
    public UsageSeries Series { get; }

    /// <summary>The replayed instant of its series' step 0 (the trace's start, shifted for clones).</summary>
    public DateTimeOffset Origin => new(originTicks, TimeSpan.Zero);

    /// <summary>Its configuration in force now (the live definition).</summary>
    public VmConfiguration Configuration
    {
        get
        {
            lock (gate) return live;
        }
    }

    /// <summary>Its persistent definition: what a restart gives it (differs from <see cref="Configuration"/> only after restart-mode steps).</summary>
    public VmConfiguration Definition
    {
        get
        {
            lock (gate) return defined;
        }
    }

    /// <summary>The running instance's id: it changes at every restart, when the counters begin again.</summary>
    public int RuntimeId
    {
        get
        {
            lock (gate) return runtimeId;
        }
    }

    /// <summary>The step of its series that <paramref name="at"/> falls on (looping around at the end).</summary>
    public int StepAt(DateTimeOffset at) => (int)Mod(FloorDiv(at.UtcTicks - originTicks, Series.Step.Ticks), Series.Length);

    /// <summary>What the trace says the VM uses at <paramref name="at"/>, whatever its allocation (its demand).</summary>
    public ReplayUsage DemandAt(DateTimeOffset at)
    {
        var step = StepAt(at);
        return new ReplayUsage(Series.CoresAt(step), Series.MemoryAt(step));
    }

    /// <summary>What the VM gets at <paramref name="at"/>: its demand capped at the allocation in force now.</summary>
    public ReplayUsage UsageAt(DateTimeOffset at)
    {
        var demand = DemandAt(at);
        lock (gate)
        {
            return new ReplayUsage(
                demand.Cpu is { } cpu ? new CpuCores(Math.Min(cpu.Value, cpuCap)) : null,
                demand.Memory is { } memory && live.Memory is { } allocated ? new MemorySize(Math.Min(memory.Bytes, allocated.Bytes)) : demand.Memory);
        }
    }

    internal DomainCounters ReadCounters(DateTimeOffset at, double monotonicSeconds)
    {
        var step = StepAt(at);
        var cores = Series.RawCores(step);
        var memoryMiB = Series.RawMemoryMiB(step);
        lock (gate)
        {
            Integrate(at.UtcTicks);
            var allocatedKiB = KiB(live.Memory);
            var usedKiB = float.IsNaN(memoryMiB) || allocatedKiB is null ? (long?)null : Math.Min((long)Math.Round(memoryMiB * 1024.0), allocatedKiB.Value);
            return new DomainCounters
            {
                Vm = Id,
                At = at,
                MonotonicSeconds = monotonicSeconds,
                RuntimeId = runtimeId,
                State = DomainState.Running,
                CpuTimeNanoseconds = float.IsNaN(cores) ? null : (long)Math.Round(cpuSeconds * 1e9),
                Vcpus = live.Vcpus,
                BalloonCurrentKiB = allocatedKiB,
                BalloonAvailableKiB = usedKiB is null ? null : allocatedKiB,
                BalloonUsableKiB = usedKiB is { } used ? allocatedKiB - used : null,
            };
        }
    }

    internal GuardReading ReadGuard(DateTimeOffset at, double monotonicSeconds)
    {
        var counters = ReadCounters(at, monotonicSeconds);
        return new GuardReading
        {
            At = at,
            MonotonicSeconds = monotonicSeconds,
            RuntimeId = counters.RuntimeId,
            CpuTimeNanoseconds = counters.CpuTimeNanoseconds,
            Vcpus = counters.Vcpus,
            MemoryAvailableKiB = counters.BalloonAvailableKiB,
            MemoryUsableKiB = counters.BalloonUsableKiB,
        };
    }

    /// <summary>
    /// Sets the operation's values: live ones on the running VM and its definition, restart ones in the definition only.
    /// Refused (nothing changed) when the result breaks a rule libvirt would enforce: vCPUs above their maximum or
    /// memory above its maximum, none at all, or more than the host has.
    /// </summary>
    internal Result<Done> Apply(StepOperation operation, DateTimeOffset at, HostCapabilities host)
    {
        lock (gate)
        {
            VmConfiguration nextLive, nextDefined;
            try
            {
                nextDefined = ConfigurationEditor.Apply(defined, operation.Changes);
                nextLive = operation.Mode == StepMode.Live ? ConfigurationEditor.Apply(live, operation.Changes) : live;
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                return Result<Done>.Fail($"{Name}: {operation.Kind} cannot be applied: {e.Message}");
            }
            var problems = Problems(nextLive, host).Concat(Problems(nextDefined, host)).Distinct(StringComparer.Ordinal).ToList();
            if (problems.Count > 0) return Result<Done>.Fail([.. problems.Select(p => $"{Name}: {operation.Kind} refused: {p}")]);
            Integrate(at.UtcTicks);
            live = nextLive;
            defined = nextDefined;
            cpuCap = CpuCap(live);
            return Result<Done>.Ok(default);
        }
    }

    /// <summary>Restarts the VM: its definition comes into force, the runtime id changes and the counters begin again.</summary>
    internal void Restart(DateTimeOffset at)
    {
        lock (gate)
        {
            live = defined;
            cpuCap = CpuCap(live);
            runtimeId++;
            cpuSeconds = 0;
            integratedUntilTicks = at.UtcTicks;
            counting = true;
        }
    }

    internal void TakeSnapshot(string name)
    {
        lock (gate)
        {
            snapshots ??= new Dictionary<string, (VmConfiguration, VmConfiguration)>(StringComparer.Ordinal);
            snapshots[name] = (live, defined);
        }
    }

    internal bool RevertSnapshot(string name, DateTimeOffset at)
    {
        lock (gate)
        {
            if (snapshots is null || !snapshots.TryGetValue(name, out var taken)) return false;
            Integrate(at.UtcTicks);
            (live, defined) = taken;
            cpuCap = CpuCap(live);
            return true;
        }
    }

    internal void DeleteSnapshot(string name)
    {
        lock (gate)
        {
            if (snapshots is null) return;
            snapshots.Remove(name);
            if (snapshots.Count == 0) snapshots = null;
        }
    }

    // Adds the CPU time used from the last reading to `untilTicks`, step by step, each capped at the allocation then.
    private void Integrate(long untilTicks)
    {
        if (!counting)
        {
            counting = true;
            integratedUntilTicks = untilTicks;
            return;
        }
        var t = integratedUntilTicks;
        if (untilTicks <= t) return;
        var stepTicks = Series.Step.Ticks;
        while (t < untilTicks)
        {
            var k = FloorDiv(t - originTicks, stepTicks);
            var end = Math.Min(originTicks + (k + 1) * stepTicks, untilTicks);
            var used = Series.RawCores((int)Mod(k, Series.Length));
            if (!float.IsNaN(used)) cpuSeconds += Math.Min(used, cpuCap) * ((end - t) / (double)TimeSpan.TicksPerSecond);
            t = end;
        }
        integratedUntilTicks = untilTicks;
    }

    private static IEnumerable<string> Problems(VmConfiguration c, HostCapabilities host)
    {
        if (c.Vcpus is not > 0) yield return "a VM needs at least one vCPU";
        if (c.Vcpus > c.MaxVcpus) yield return string.Create(CultureInfo.InvariantCulture, $"{c.Vcpus} vCPUs exceed the maximum of {c.MaxVcpus}");
        if (c.MaxVcpus > host.Cores) yield return string.Create(CultureInfo.InvariantCulture, $"a maximum of {c.MaxVcpus} vCPUs exceeds the host's {host.Cores} cores");
        if (c.Memory is not { Bytes: > 0 }) yield return "a VM needs memory";
        if (c.Memory?.Bytes > c.MaxMemory?.Bytes) yield return $"memory {c.Memory} exceeds the maximum of {c.MaxMemory}";
        if (c.MaxMemory?.Bytes > host.Memory.Bytes) yield return $"a maximum memory of {c.MaxMemory} exceeds the host's {host.Memory}";
    }

    // vCPUs, each held to quota/period of a core when a CPU quota is set.
    private static double CpuCap(VmConfiguration c)
    {
        var vcpus = c.Vcpus ?? 0;
        var share = c.CpuQuotaMicroseconds is > 0 && c.CpuPeriodMicroseconds is > 0
            ? Math.Min(1.0, c.CpuQuotaMicroseconds.Value / (double)c.CpuPeriodMicroseconds.Value)
            : 1.0;
        return vcpus * share;
    }

    private static long? KiB(MemorySize? memory) => memory is { } m ? (long)Math.Round(m.Bytes / MemorySize.KiB) : null;

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static long Mod(long a, long b) => ((a % b) + b) % b;
}
