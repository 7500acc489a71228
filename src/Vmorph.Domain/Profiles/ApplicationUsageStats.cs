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
    double LastCpuTotal);

/// <summary>
/// The seed's <c>ApplicationUsageStats</c>: per application, how often and how long it runs, the CPU and memory it uses
/// and how often a person interacts with it. Bounded to <see cref="MaxApplications"/> applications (those that ran the
/// longest are kept).
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

    /// <summary>Applications by executable.</summary>
    public ImmutableSortedDictionary<string, ApplicationUsage> Applications { get; init; } = ImmutableSortedDictionary<string, ApplicationUsage>.Empty;

    /// <summary>Whether anything was observed.</summary>
    public bool IsObserved => Snapshots > 0;

    /// <summary>The share of snapshots in which an application ran, 0 if never.</summary>
    public double Frequency(string executable) =>
        Snapshots > 0 && Applications.TryGetValue(executable, out var app) ? (double)app.SnapshotsSeen / Snapshots : 0;

    /// <summary>Folds one inventory snapshot.</summary>
    public ApplicationUsageStats Fold(InventorySnapshot snapshot)
    {
        var elapsed = LastSnapshot is { } last && snapshot.At > last ? (snapshot.At - last).TotalSeconds : 0;
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
                apps[group.Key] = app with
                {
                    SnapshotsSeen = app.SnapshotsSeen + 1,
                    LastSeen = snapshot.At,
                    RunningSeconds = app.RunningSeconds + (wasRunning ? elapsed : 0),
                    CpuSeconds = app.CpuSeconds + cpuDelta,
                    PeakResidentBytes = Math.Max(app.PeakResidentBytes, resident),
                    InteractiveSnapshots = app.InteractiveSnapshots + (interactive ? 1 : 0),
                    LastCpuTotal = cpuTotal,
                };
            }
            else
            {
                apps[group.Key] = new ApplicationUsage(group.Key, 1, snapshot.At, snapshot.At, 0, 0, resident, interactive ? 1 : 0, cpuTotal);
            }
        }
        while (apps.Count > MaxApplications)
            apps.Remove(apps.Values.OrderBy(a => a.RunningSeconds).ThenBy(a => a.SnapshotsSeen).First().Executable);
        return this with { Snapshots = Snapshots + 1, LastSnapshot = snapshot.At, Applications = apps.ToImmutable() };
    }
}
