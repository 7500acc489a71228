namespace Vmorph.Policies;

/// <summary>
/// A policy as written in YAML, before validation: every scalar kept as text so that each bad value is reported with
/// its field, all at once, by <see cref="PolicyCatalog.Build"/>. See docs/SIMULATOR.md for the format.
/// </summary>
public sealed record PolicySpec
{
    /// <summary>The policy's name (lower-case letters, digits, dashes).</summary>
    public string? Name { get; init; }

    /// <summary>What it is for, for people.</summary>
    public string? Description { get; init; }

    /// <summary>Which VMs it governs.</summary>
    public MatchSpec? Match { get; init; }

    /// <summary>The time zone of its schedules, maintenance windows and days (IANA name; default UTC).</summary>
    public string? TimeZone { get; init; }

    /// <summary>Where the policy sits between less CPU and fewer shortfalls: <c>lean</c>, <c>balanced</c> or <c>safe</c> (see <see cref="RiskLevel"/>).</summary>
    public string? Risk { get; init; }

    /// <summary>The triggers and their settings.</summary>
    public TriggersSpec? Triggers { get; init; }

    /// <summary>Smallest and largest allocations.</summary>
    public BoundsSpec? Bounds { get; init; }

    /// <summary>Least time between two morphs (a duration).</summary>
    public string? Cooldown { get; init; }

    /// <summary>Most morphs per day (in the policy's time zone).</summary>
    public string? MaxMorphsPerDay { get; init; }

    /// <summary>Morphs of each day kept for growing when the VM runs short (only urgent growth spends them).</summary>
    public string? ReserveForGrowth { get; init; }

    /// <summary>When morphs other than urgent growth may happen; none means any time.</summary>
    public IReadOnlyList<WindowSpec>? MaintenanceWindows { get; init; }

    /// <summary>Whether a person must approve each morph (<c>true</c>/<c>false</c>).</summary>
    public string? RequireApproval { get; init; }

    /// <summary>The guard's windows for the morphs of the VMs it governs.</summary>
    public GuardSpec? Guard { get; init; }
}

/// <summary>The guard's windows: how long the VM is watched before the first change (<c>baseline</c>) and after the last (<c>observe</c>), as durations.</summary>
public sealed record GuardSpec(string? Baseline, string? Observe, string? Confirm = null);

/// <summary>Which VMs a policy governs: names (glob patterns with <c>*</c> and <c>?</c>) and labels that must all match.</summary>
public sealed record MatchSpec(IReadOnlyList<string>? Names, IReadOnlyDictionary<string, string>? Labels);

/// <summary>The four triggers.</summary>
public sealed record TriggersSpec
{
    /// <summary>Cron schedules.</summary>
    public ScheduledSpec? Scheduled { get; init; }

    /// <summary>The demand recommender.</summary>
    public DemandSpec? ResourceDemand { get; init; }

    /// <summary>Archetype changes.</summary>
    public WorkloadSpec? WorkloadDetection { get; init; }

    /// <summary>Forecasts.</summary>
    public PredictiveSpec? Predictive { get; init; }
}

/// <summary>Scheduled morphing.</summary>
public sealed record ScheduledSpec(string? Enabled, IReadOnlyList<ScheduleSpec>? Schedules);

/// <summary>One schedule: at each cron occurrence, apply a profile (CPU and/or memory), or restore (hand back to the other triggers).</summary>
public sealed record ScheduleSpec(string? Name, string? Cron, string? TimeZone, string? Cpu, string? Memory, string? Restore);

/// <summary>Resource-demand morphing.</summary>
public sealed record DemandSpec
{
    /// <summary>On or off.</summary>
    public string? Enabled { get; init; }

    /// <summary>The percentile of the decaying CPU histogram the demand is sized to.</summary>
    public string? CpuPercentile { get; init; }

    /// <summary>Half-life of the histogram's weights.</summary>
    public string? HalfLife { get; init; }

    /// <summary>Added on top of the demand (CPU).</summary>
    public string? Headroom { get; init; }

    /// <summary>How far below the allocation the demand must fall before a shrink is considered.</summary>
    public string? Hysteresis { get; init; }

    /// <summary>How long the demand must stay below the band before shrinking.</summary>
    public string? ShrinkAfter { get; init; }

    /// <summary>Use at or above this share of the allocation counts as a shortfall (grow at once).</summary>
    public string? Saturation { get; init; }

    /// <summary>On a shortfall, grow to the peak of this window.</summary>
    public string? PeakWindow { get; init; }

    /// <summary>Added on top of the memory peak.</summary>
    public string? MemoryHeadroom { get; init; }

    /// <summary>Memory is sized to the largest daily peak of this window.</summary>
    public string? MemoryWindow { get; init; }

    /// <summary>CPU never goes below this share of the peak window's peak.</summary>
    public string? Floor { get; init; }

    /// <summary>CPU use at or above this share of the peak window's peak is a wake-up: grow to the peak at once.</summary>
    public string? Wake { get; init; }

    /// <summary>A shortfall or wake-up grows CPU to the peak of this window (at most the peak window's peak).</summary>
    public string? GrowWindow { get; init; }

    /// <summary>Added to the grow window's peak when the VM grows.</summary>
    public string? GrowHeadroom { get; init; }
}

/// <summary>Workload-detection morphing.</summary>
public sealed record WorkloadSpec(string? Enabled, string? Windows, string? Window, string? MinConfidence);

/// <summary>Predictive morphing.</summary>
public sealed record PredictiveSpec
{
    /// <summary>On or off.</summary>
    public string? Enabled { get; init; }

    /// <summary>How far ahead a morph must look: the peak over this horizon is forecast.</summary>
    public string? Horizon { get; init; }

    /// <summary>The quantile of the forecast the allocation covers.</summary>
    public string? Quantile { get; init; }

    /// <summary><c>auto</c> (chosen per VM by rolling back-tests), <c>seasonal</c>, <c>fasttree</c>, <c>recent-peak</c> or <c>conformal</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Half-life of the back-test losses that choose the model.</summary>
    public string? BacktestHalfLife { get; init; }

    /// <summary>Never shrink below the peak of this recent window.</summary>
    public string? RecentFloor { get; init; }

    /// <summary>Added on top of the forecast.</summary>
    public string? Headroom { get; init; }
}

/// <summary>Bounds of the allocation.</summary>
public sealed record BoundsSpec(RangeSpec? Cpu, RangeSpec? Memory);

/// <summary>A minimum and a maximum (CPU in cores, memory with a unit).</summary>
public sealed record RangeSpec(string? Min, string? Max);

/// <summary>A maintenance window: it opens at each cron occurrence and lasts the duration.</summary>
public sealed record WindowSpec(string? Cron, string? Duration, string? TimeZone);
