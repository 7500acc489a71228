using System.Globalization;

namespace Vmorph.Guard;

/// <summary>
/// How the <see cref="DegradationGuard"/> judges a morph: how long it observes, how sure a change must be (the
/// significance level, shared over the signals judged), and how large it must be to matter (a minimum effect per
/// signal), so that neither noise nor a tiny but significant change rolls a morph back.
/// </summary>
public sealed record GuardPolicy
{
    /// <summary>How long the VM is observed after the last step (and how much of the time before the morph is the baseline).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The family-wise significance level; each of k signals judged is tested at this level / k (Bonferroni).</summary>
    public double SignificanceLevel { get; init; } = 0.01;

    /// <summary>Samples a signal needs in each window to be judged.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>CPU saturation: the least increase of the median CPU utilisation (0 to 1) that counts.</summary>
    public double CpuMinimumIncrease { get; init; } = 0.15;

    /// <summary>CPU saturation: the median utilisation after the morph must reach this level to count as saturated.</summary>
    public double CpuSaturationLevel { get; init; } = 0.90;

    /// <summary>Memory pressure: the least increase of the mean major faults plus swapped-in pages per second that counts.</summary>
    public double MemoryPressureMinimumIncrease { get; init; } = 50;

    /// <summary>Memory pressure without fault counters: the least increase of the median memory utilisation that counts.</summary>
    public double MemoryUtilisationMinimumIncrease { get; init; } = 0.10;

    /// <summary>Memory pressure without fault counters: the median utilisation after the morph must reach this level.</summary>
    public double MemoryUtilisationLevel { get; init; } = 0.95;

    /// <summary>Disk latency: the least relative increase of the median latency per operation that counts (0.5 = +50 %).</summary>
    public double DiskLatencyMinimumRelativeIncrease { get; init; } = 0.5;

    /// <summary>Disk latency: the least absolute increase of the median latency that counts, in seconds.</summary>
    public double DiskLatencyMinimumAbsoluteIncrease { get; init; } = 0.001;

    /// <summary>Disk throughput collapse: the least relative decrease of the median throughput that counts (0.5 = −50 %).</summary>
    public double DiskThroughputMinimumRelativeDecrease { get; init; } = 0.5;

    /// <summary>Disk throughput collapse is only judged when the baseline median moved at least this many bytes per second.</summary>
    public double DiskThroughputMinimumBaseline { get; init; } = 1024 * 1024;

    /// <summary>Health probe: the least drop of the success rate that counts (0.05 = 5 points).</summary>
    public double ProbeMinimumDrop { get; init; } = 0.05;

    /// <summary>Health probe without baseline probes: the success rate expected of a healthy guest.</summary>
    public double ProbeSuccessFloor { get; init; } = 0.95;

    /// <summary>Probes a window needs to judge the health probe.</summary>
    public int MinimumProbes { get; init; } = 5;

    /// <summary>
    /// Whether a degradation of a measured signal (CPU, memory, disk) must persist through a second observation window
    /// of the same length before the morph is rolled back (default: yes). Workloads have phases the morph did not cause:
    /// PostgreSQL under pgbench in the lab doubles to quadruples its disk latency for two to four minutes at a time with
    /// nothing changed (docs/MORPHING.md), so one short window can land in such a phase while its baseline did not. A
    /// failing health probe is not a phase: it rolls back at once, as does a configuration that did not settle.
    /// </summary>
    public bool ConfirmDegradation { get; init; } = true;

    /// <summary>Whether a morph is rolled back when no signal had enough data to be judged (default: kept, and the verdict says so).</summary>
    public bool RollBackWhenInconclusive { get; init; }

    /// <summary>The defaults.</summary>
    public static GuardPolicy Default { get; } = new();

    /// <summary>Checks the policy, reporting every invalid setting together.</summary>
    public Result<GuardPolicy> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string field, object value, string rule)
        {
            if (!ok) errors.Add(string.Create(CultureInfo.InvariantCulture, $"guard policy: {field}: {value} {rule}"));
        }
        Check(Window > TimeSpan.Zero, "window", Window, "must be positive");
        Check(SignificanceLevel is > 0 and < 0.5, "significance-level", SignificanceLevel, "must lie between 0 and 0.5");
        Check(MinimumSamples >= 3, "minimum-samples", MinimumSamples, "must be at least 3");
        Check(MinimumProbes >= 1, "minimum-probes", MinimumProbes, "must be at least 1");
        Check(CpuMinimumIncrease is >= 0 and <= 1, "cpu-minimum-increase", CpuMinimumIncrease, "must lie between 0 and 1");
        Check(CpuSaturationLevel is >= 0 and <= 1, "cpu-saturation-level", CpuSaturationLevel, "must lie between 0 and 1");
        Check(MemoryPressureMinimumIncrease >= 0, "memory-pressure-minimum-increase", MemoryPressureMinimumIncrease, "cannot be negative");
        Check(MemoryUtilisationMinimumIncrease is >= 0 and <= 1, "memory-utilisation-minimum-increase", MemoryUtilisationMinimumIncrease, "must lie between 0 and 1");
        Check(MemoryUtilisationLevel is >= 0 and <= 1, "memory-utilisation-level", MemoryUtilisationLevel, "must lie between 0 and 1");
        Check(DiskLatencyMinimumRelativeIncrease >= 0, "disk-latency-minimum-relative-increase", DiskLatencyMinimumRelativeIncrease, "cannot be negative");
        Check(DiskLatencyMinimumAbsoluteIncrease >= 0, "disk-latency-minimum-absolute-increase", DiskLatencyMinimumAbsoluteIncrease, "cannot be negative");
        Check(DiskThroughputMinimumRelativeDecrease is >= 0 and <= 1, "disk-throughput-minimum-relative-decrease", DiskThroughputMinimumRelativeDecrease, "must lie between 0 and 1");
        Check(ProbeMinimumDrop is >= 0 and <= 1, "probe-minimum-drop", ProbeMinimumDrop, "must lie between 0 and 1");
        Check(ProbeSuccessFloor is > 0 and <= 1, "probe-success-floor", ProbeSuccessFloor, "must lie above 0 and at most 1");
        return errors.Count == 0 ? Result<GuardPolicy>.Ok(this) : Result<GuardPolicy>.Fail(errors);
    }
}
