using System.Collections.Immutable;
using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>How one application (by executable) has been used.</summary>
/// <param name="Executable">The executable's base name.</param>
/// <param name="SnapshotsSeen">Inventory snapshots in which it was running (its frequency).</param>
/// <param name="FirstSeen">The first snapshot it was seen in.</param>
/// <param name="LastSeen">The latest snapshot it was seen in.</param>
/// <param name="RunningSeconds">Time it was seen running across consecutive snapshots (its duration).</param>
/// <param name="CpuSeconds">CPU time it used while observed.</param>
/// <param name="PeakResidentBytes">Its largest resident memory (all its processes together).</param>
/// <param name="InteractiveSnapshots">Snapshots in which it had a controlling terminal (a person at it).</param>
/// <param name="LastCpuTotal">CPU seconds of its processes at the latest snapshot, to take deltas from.</param>
public sealed record ApplicationUsage(
    string Executable,
    long SnapshotsSeen,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    double RunningSeconds,
    double CpuSeconds,
    long PeakResidentBytes,
    long InteractiveSnapshots,
    double LastCpuTotal)
{
    /// <summary>Snapshots it ran in, each weighted by its recency (halving every half-life), as of <see cref="LastSeen"/>.</summary>
    public double RecentSnapshots { get; init; }

    /// <summary>Snapshots it had a person at a terminal in, weighted by recency as of <see cref="LastInteractive"/>.</summary>
    public double RecentInteractive { get; init; }

    /// <summary>The latest snapshot in which it had a person at a terminal.</summary>
    public DateTimeOffset? LastInteractive { get; init; }
}

/// <summary>
/// The seed's <c>ApplicationUsageStats</c>: per application, how often and how long it runs, the CPU and memory it uses
/// and how often a person interacts with it, over the VM's life and with recency (each snapshot's weight halving every
/// <see cref="HalfLife"/>, so what stopped running fades). Bounded to <see cref="MaxApplications"/> applications (those
/// with the most recent use are kept).
/// </summary>
public sealed record ApplicationUsageStats
{
    /// <summary>The most applications kept.</summary>
    public const int MaxApplications = 64;

    /// <summary>No snapshot seen yet.</summary>
    public static ApplicationUsageStats Empty { get; } = new();

    /// <summary>Inventory snapshots folded.</summary>
    public long Snapshots { get; init; }

    /// <summary>When the latest snapshot was taken.</summary>
    public DateTimeOffset? LastSnapshot { get; init; }

    /// <summary>How fast recency fades: a snapshot's weight halves every half-life (the default where none was stored).</summary>
    public TimeSpan HalfLife
    {
        get => halfLife > TimeSpan.Zero ? halfLife : Recency.DefaultHalfLife;
        init => halfLife = value;
    }

    private readonly TimeSpan halfLife;

    /// <summary>Snapshots weighted by recency, as of <see cref="LastSnapshot"/>; null in a profile stored before recency was kept.</summary>
    public double? RecentSnapshots { get; init; }

    /// <summary>Applications by executable.</summary>
    public ImmutableSortedDictionary<string, ApplicationUsage> Applications { get; init; } = ImmutableSortedDictionary<string, ApplicationUsage>.Empty;

    /// <summary>Whether anything was observed.</summary>
    public bool IsObserved => Snapshots > 0;

    /// <summary>The share of snapshots in which an application ran, over the VM's life, 0 if never.</summary>
    public double Frequency(string executable) =>
        Snapshots > 0 && Applications.TryGetValue(executable, out var app) ? (double)app.SnapshotsSeen / Snapshots : 0;

    /// <summary>
    /// The recency-weighted share of snapshots in which an application ran, as of the latest snapshot, 0 if never: 1 for
    /// one running in every snapshot, halving every half-life after it stopped.
    /// </summary>
    public double RecentFrequency(string executable) =>
        RecentSnapshots is null ? WithRecencyFromLifetime().RecentFrequency(executable)
        : Applications.TryGetValue(executable, out var app) ? Share(app.RecentSnapshots, app.LastSeen) : 0;

    /// <summary>The recency-weighted share of snapshots in which an application had a person at a terminal, 0 if never.</summary>
    public double RecentInteractiveShare(ApplicationUsage app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.LastInteractive is { } at ? Share(app.RecentInteractive, at) : 0;
    }

    private double Share(double weight, DateTimeOffset asOf) =>
        RecentSnapshots is > 0 && LastSnapshot is { } last ? Math.Min(1, weight * Recency.Decay(asOf, last, HalfLife) / RecentSnapshots.Value) : 0;

    /// <summary>
    /// Recency for a profile stored before it was kept: each application's lifetime share counts as its recent share at
    /// its last sighting (so it fades from there), and the snapshots as one of weight 1 at the latest.
    /// </summary>
    public ApplicationUsageStats WithRecencyFromLifetime()
    {
        if (RecentSnapshots is not null || !IsObserved) return this;
        var apps = Applications.ToBuilder();
        foreach (var app in Applications.Values)
        {
            apps[app.Executable] = app with
            {
                RecentSnapshots = (double)app.SnapshotsSeen / Snapshots,
                RecentInteractive = (double)app.InteractiveSnapshots / Snapshots,
                LastInteractive = app.InteractiveSnapshots > 0 ? app.LastSeen : null,
            };
        }
        return this with { RecentSnapshots = 1, Applications = apps.ToImmutable() };
    }

    /// <summary>Folds one inventory snapshot.</summary>
    public ApplicationUsageStats Fold(InventorySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var current = WithRecencyFromLifetime();
        return current.FoldRecent(snapshot);
    }

    private ApplicationUsageStats FoldRecent(InventorySnapshot snapshot)
    {
        var elapsed = LastSnapshot is { } last && snapshot.At > last ? (snapshot.At - last).TotalSeconds : 0;
        var (recentSnapshots, asOf) = Recency.Add(RecentSnapshots ?? 0, LastSnapshot, snapshot.At, HalfLife);
        var apps = Applications.ToBuilder();
        foreach (var group in snapshot.Processes.GroupBy(p => p.Executable, StringComparer.Ordinal))
        {
            var cpuTotal = group.Sum(p => p.CpuSeconds);
            var resident = group.Sum(p => p.ResidentBytes);
            var interactive = group.Any(p => p.Interactive);
            if (apps.TryGetValue(group.Key, out var app))
            {
                var wasRunning = app.LastSeen == LastSnapshot;
                var cpuDelta = cpuTotal >= app.LastCpuTotal ? cpuTotal - app.LastCpuTotal : cpuTotal;
                var (recent, seenAsOf) = Recency.Add(app.RecentSnapshots, app.LastSeen, snapshot.At, HalfLife);
                var (recentInteractive, interactiveAsOf) = interactive
                    ? Recency.Add(app.RecentInteractive, app.LastInteractive, snapshot.At, HalfLife)
                    : (app.RecentInteractive, app.LastInteractive);
                apps[group.Key] = app with
                {
                    SnapshotsSeen = app.SnapshotsSeen + 1,
                    LastSeen = seenAsOf,
                    RecentSnapshots = recent,
                    RecentInteractive = recentInteractive,
                    LastInteractive = interactiveAsOf,
                    RunningSeconds = app.RunningSeconds + (wasRunning ? elapsed : 0),
                    CpuSeconds = app.CpuSeconds + cpuDelta,
                    PeakResidentBytes = Math.Max(app.PeakResidentBytes, resident),
                    InteractiveSnapshots = app.InteractiveSnapshots + (interactive ? 1 : 0),
                    LastCpuTotal = cpuTotal,
                };
            }
            else
            {
                apps[group.Key] = new ApplicationUsage(group.Key, 1, snapshot.At, snapshot.At, 0, 0, resident, interactive ? 1 : 0, cpuTotal)
                {
                    RecentSnapshots = 1,
                    RecentInteractive = interactive ? 1 : 0,
                    LastInteractive = interactive ? snapshot.At : null,
                };
            }
        }
        // Over the bound, the application with the least recent use goes (a new one is not pushed out by old ones).
        while (apps.Count > MaxApplications)
            apps.Remove(apps.Values.OrderBy(a => a.RecentSnapshots * Recency.Decay(a.LastSeen, asOf, HalfLife)).ThenBy(a => a.RunningSeconds).ThenBy(a => a.Executable, StringComparer.Ordinal).First().Executable);
        return this with { Snapshots = Snapshots + 1, LastSnapshot = asOf, RecentSnapshots = recentSnapshots, Applications = apps.ToImmutable() };
    }
}
