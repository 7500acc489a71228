using System.Globalization;
using Cronos;

namespace Vmorph.Policies;

/// <summary>
/// A validated policy: which VMs it governs, which triggers are on and how, the bounds of the allocation, and the rules
/// of the gate every intent passes (cooldown, morphs per day, maintenance windows, approval). Immutable.
/// </summary>
public sealed record Policy
{
    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = "";

    /// <summary>Where it was defined (<c>built-in vmorph.yaml</c> or a path).</summary>
    public string Source { get; init; } = "";

    /// <summary>Which VMs it governs.</summary>
    public PolicyMatch Match { get; init; } = PolicyMatch.None;

    /// <summary>The time zone of schedules, maintenance windows and days.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The risk level the policy's defaults were taken from (<see cref="RiskLevel.Unset"/> when it names none).</summary>
    public RiskLevel Risk { get; init; }

    /// <summary>Scheduled morphing, or null when off.</summary>
    public ScheduledSettings? Scheduled { get; init; }

    /// <summary>Resource-demand morphing, or null when off.</summary>
    public DemandSettings? Demand { get; init; }

    /// <summary>Workload-detection morphing, or null when off.</summary>
    public WorkloadSettings? Workload { get; init; }

    /// <summary>Predictive morphing, or null when off.</summary>
    public PredictiveSettings? Predictive { get; init; }

    /// <summary>Smallest and largest allocations.</summary>
    public ResourceBounds Bounds { get; init; } = ResourceBounds.Unbounded;

    /// <summary>Least time between two morphs (urgent growth excepted).</summary>
    public TimeSpan Cooldown { get; init; }

    /// <summary>Most morphs per day, in the policy's time zone.</summary>
    public int MaxMorphsPerDay { get; init; } = int.MaxValue;

    /// <summary>Morphs of each day that only urgent growth (a shortfall) may use.</summary>
    public int ReserveForGrowth { get; init; }

    /// <summary>When non-urgent morphs may happen; empty means any time.</summary>
    public IReadOnlyList<MaintenanceWindow> MaintenanceWindows { get; init; } = [];

    /// <summary>Whether a person must approve each morph.</summary>
    public bool RequireApproval { get; init; }

    /// <summary>The guard's windows for this policy's morphs; a window left out (or no <c>guard</c> section) is the loop's default.</summary>
    public GuardWindows Guard { get; init; } = GuardWindows.LoopDefaults;

    /// <summary>The triggers that are on, by their seed names.</summary>
    public IEnumerable<string> EnabledTriggers()
    {
        if (Scheduled is not null) yield return "scheduled";
        if (Demand is not null) yield return "resource-demand";
        if (Workload is not null) yield return "workload-detection";
        if (Predictive is not null) yield return "predictive";
    }

    /// <inheritdoc />
    public override string ToString() => $"policy '{Name}' ({Source})";
}

/// <summary>
/// Which VMs a policy governs. A VM matches when one name pattern matches its name or id (or, with labels, no patterns
/// are given) and every label matches. A policy with neither names nor labels governs no VM by itself: it is used
/// only when chosen by name.
/// </summary>
/// <param name="Names">Glob patterns (<c>*</c>, <c>?</c>) on the VM's name or id.</param>
/// <param name="Labels">Labels the VM must all have, with these values.</param>
public sealed record PolicyMatch(IReadOnlyList<string> Names, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Matches every VM (<c>names: ["*"]</c>).</summary>
    public static PolicyMatch All { get; } = new(["*"], new Dictionary<string, string>());

    /// <summary>Matches no VM by itself (no <c>match</c> section).</summary>
    public static PolicyMatch None { get; } = new([], new Dictionary<string, string>());

    /// <summary>
    /// How specifically this matches a VM: 0 no match; otherwise 1 (<c>*</c>), 2 (labels only), 3 (a wildcard
    /// pattern), 4 (the exact name), plus 1 if labels also had to match.
    /// </summary>
    public int Specificity(string vmName, string vmId, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in Labels)
            if (!labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal)) return 0;
        var labelBonus = Labels.Count > 0 ? 1 : 0;
        if (Names.Count == 0) return Labels.Count > 0 ? 2 : 0;
        var best = 0;
        foreach (var pattern in Names)
        {
            var wildcard = pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal);
            if (!Glob(pattern, vmName) && !Glob(pattern, vmId)) continue;
            best = Math.Max(best, wildcard ? (pattern == "*" ? 1 : 3) : 4);
        }
        return best == 0 ? 0 : best + labelBonus;
    }

    /// <summary>Whether a glob pattern (<c>*</c> any run, <c>?</c> one character) matches the whole text.</summary>
    public static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}

/// <summary>
/// How long the degradation guard watches a VM around a morph: the baseline before the first change and the observation
/// after the last. Null leaves the window to the loop (1 minute of baseline, 2 minutes of observation).
/// </summary>
/// <param name="Baseline">The baseline window, or null for the loop's.</param>
/// <param name="Observe">The observation window, or null for the loop's.</param>
/// <param name="Confirm">Whether a degraded CPU, memory or disk signal is confirmed over a second observation window before the morph is rolled back (<c>GuardPolicy.ConfirmDegradation</c>; default yes).</param>
public sealed record GuardWindows(TimeSpan? Baseline, TimeSpan? Observe, bool Confirm = true)
{
    /// <summary>Both windows left to the loop, degradations confirmed.</summary>
    public static GuardWindows LoopDefaults { get; } = new(null, null);

    /// <summary>The shortest window: the guard samples every 2 s and needs 10 samples in each window.</summary>
    public static TimeSpan Shortest { get; } = TimeSpan.FromSeconds(20);

    /// <summary>The longest window (a morph holds its VM's lease for both windows).</summary>
    public static TimeSpan Longest { get; } = TimeSpan.FromHours(1);
}

/// <summary>Smallest and largest allocations.</summary>
/// <param name="MinCores">Least CPU, cores.</param>
/// <param name="MaxCores">Most CPU, cores.</param>
/// <param name="MinMemoryMiB">Least memory, MiB.</param>
/// <param name="MaxMemoryMiB">Most memory, MiB.</param>
public sealed record ResourceBounds(double MinCores, double MaxCores, double MinMemoryMiB, double MaxMemoryMiB)
{
    /// <summary>No bounds beyond being positive.</summary>
    public static ResourceBounds Unbounded { get; } = new(0, double.PositiveInfinity, 0, double.PositiveInfinity);

    /// <summary>Clamps CPU into the bounds.</summary>
    public double ClampCores(double cores) => Math.Clamp(cores, MinCores, MaxCores);

    /// <summary>Clamps memory into the bounds (NaN stays NaN).</summary>
    public double ClampMemory(double mib) => double.IsNaN(mib) ? mib : Math.Clamp(mib, MinMemoryMiB, MaxMemoryMiB);
}

/// <summary>Scheduled morphing: profiles applied at cron occurrences.</summary>
/// <param name="Schedules">The schedules.</param>
public sealed record ScheduledSettings(IReadOnlyList<ScheduleEntry> Schedules);

/// <summary>One schedule.</summary>
/// <param name="Name">Its name (used in reasons).</param>
/// <param name="Cron">The cron expression (5 fields, or 6 with seconds).</param>
/// <param name="CronText">The expression as written.</param>
/// <param name="TimeZone">The time zone the expression is read in.</param>
/// <param name="Cores">The CPU to apply, or null to leave it.</param>
/// <param name="MemoryMiB">The memory to apply, or null to leave it.</param>
/// <param name="Restore">Hand the VM back to the other triggers instead of applying a profile.</param>
public sealed record ScheduleEntry(string Name, CronExpression Cron, string CronText, TimeZoneInfo TimeZone, double? Cores, double? MemoryMiB, bool Restore);

/// <summary>Settings of the demand recommender.</summary>
/// <param name="CpuPercentile">Percentile of the decaying CPU histogram.</param>
/// <param name="HalfLife">Half-life of the histogram.</param>
/// <param name="Headroom">Added to CPU demand.</param>
/// <param name="Hysteresis">Band below the allocation the demand must fall to before a shrink.</param>
/// <param name="ShrinkAfter">How long the demand must stay below the band.</param>
/// <param name="Saturation">Use at or above this share of the allocation is a shortfall.</param>
/// <param name="PeakWindow">On a shortfall, grow to this window's peak.</param>
/// <param name="MemoryHeadroom">Added to memory demand.</param>
/// <param name="MemoryWindow">Memory is sized to this window's largest daily peak.</param>
/// <param name="Floor">CPU is never sized below this share of the peak window's peak (a VM that woke up once may wake again).</param>
/// <param name="Wake">CPU use at or above this share of the peak window's peak, with the allocation below that peak, is a wake-up: grow to the peak at once (0 turns it off).</param>
/// <param name="GrowWindow">A shortfall or wake-up grows CPU to the peak of this (shorter) window, never beyond the peak window's peak; null: the peak window itself.</param>
/// <param name="GrowHeadroom">Added to the grow window's peak when the VM grows; null: <paramref name="Headroom"/>.</param>
public sealed record DemandSettings(double CpuPercentile, TimeSpan HalfLife, double Headroom, double Hysteresis, TimeSpan ShrinkAfter, double Saturation, TimeSpan PeakWindow, double MemoryHeadroom, TimeSpan MemoryWindow, double Floor = 0, double Wake = 0, TimeSpan? GrowWindow = null, double? GrowHeadroom = null);

/// <summary>Settings of workload detection.</summary>
/// <param name="Windows">How many consecutive windows the new top archetype must hold.</param>
/// <param name="Window">The length of a window.</param>
/// <param name="MinConfidence">The least score of the new top archetype.</param>
public sealed record WorkloadSettings(int Windows, TimeSpan Window, double MinConfidence);

/// <summary>Which forecaster the predictive trigger uses.</summary>
public enum ForecastModel
{
    /// <summary>Chosen per VM by rolling back-tests among all of them.</summary>
    Auto,
    /// <summary>Daily and weekly seasonality with trend.</summary>
    Seasonal,
    /// <summary>Gradient-boosted trees (ML.NET FastTree) on lag and calendar features.</summary>
    FastTree,
    /// <summary>The distribution of recent peaks, no seasonality.</summary>
    RecentPeak,
    /// <summary>The peak of the last horizon plus the quantile of the VM's own errors of that rule (<see cref="Forecasting.ConformalPeakForecaster"/>).</summary>
    Conformal,
}

/// <summary>Settings of predictive morphing.</summary>
/// <param name="Horizon">How far ahead the peak is forecast.</param>
/// <param name="Quantile">Which quantile the allocation covers.</param>
/// <param name="Model">Which forecaster.</param>
/// <param name="BacktestHalfLife">Half-life of back-test losses.</param>
/// <param name="RecentFloor">Never shrink below this recent window's peak.</param>
/// <param name="Headroom">Added to the forecast.</param>
public sealed record PredictiveSettings(TimeSpan Horizon, double Quantile, ForecastModel Model, TimeSpan BacktestHalfLife, TimeSpan RecentFloor, double Headroom);

/// <summary>A maintenance window: open from each cron occurrence for a duration.</summary>
/// <param name="Cron">When it opens.</param>
/// <param name="CronText">The expression as written.</param>
/// <param name="Duration">How long it stays open.</param>
/// <param name="TimeZone">The time zone of the expression.</param>
public sealed record MaintenanceWindow(CronExpression Cron, string CronText, TimeSpan Duration, TimeZoneInfo TimeZone)
{
    /// <summary>Whether the window is open at an instant.</summary>
    public bool IsOpen(DateTimeOffset at)
    {
        // The latest opening at or before the instant, if it is recent enough.
        var from = at - Duration;
        var opening = Cron.GetNextOccurrence(from, TimeZone, inclusive: true);
        return opening is { } o && o <= at;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"'{CronText}' for {ValueParsers.Format(Duration)} ({TimeZone.Id})");
}
