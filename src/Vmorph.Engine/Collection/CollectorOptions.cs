using Vmorph.Identity;

namespace Vmorph.Collection;

/// <summary>How the collector runs.</summary>
public sealed record CollectorOptions
{
    /// <summary>The hypervisor's connection URI (<c>qemu:///system</c>).</summary>
    public required string Uri { get; init; }

    /// <summary>Time between collection cycles.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether to read guests from inside (through their guest agents).</summary>
    public bool GuestView { get; init; } = true;

    /// <summary>The paths the data-footprint scan covers; null for the defaults.</summary>
    public IReadOnlyList<string>? ScanPaths { get; init; }

    /// <summary>Time between two data-footprint scans of a guest (the scan is the costly part of the guest view).</summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// When each VM's data footprint was last scanned before this collector started (by an earlier process: <c>collect
    /// --once --scan-interval</c> reads it from the store), so that its next scan comes <see cref="ScanInterval"/> after
    /// that one. A VM not named here is scanned in its first cycle.
    /// </summary>
    public IReadOnlyDictionary<VmId, DateTimeOffset> ScannedBefore { get; init; } = new Dictionary<VmId, DateTimeOffset>();

    /// <summary>
    /// When a running domain has no earlier reading to take rates from, the cycle reads its counters twice, at least
    /// this far apart, so that one cycle (<c>collect --once</c>) already gives CPU, disk and network rates.
    /// </summary>
    public TimeSpan SampleWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The domains to collect, by name; null for every domain.</summary>
    public IReadOnlyCollection<string>? Domains { get; init; }

    /// <summary>The half-life of in-guest evidence in the profiles folded (the archetypes' <c>recency</c>); null keeps each profile's own.</summary>
    public TimeSpan? EvidenceHalfLife { get; init; }

    /// <summary>The first wait before reconnecting after the connection was lost; it doubles with each failure.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two reconnection attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long to let a burst of hypervisor events settle before comparing configurations.</summary>
    public TimeSpan EventDebounce { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Guests read from inside at once.</summary>
    public int GuestParallelism { get; init; } = 8;

    /// <summary>The longest time between two readings that a rate is computed over; longer is a gap, left unfilled.</summary>
    public TimeSpan MaxRateGap => TimeSpan.FromTicks(Math.Max(Interval.Ticks * 3, TimeSpan.FromSeconds(30).Ticks));

    /// <summary>Checks the options, naming every problem at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Uri)) errors.Add("the connection URI is empty");
        if (Interval < TimeSpan.FromMilliseconds(100)) errors.Add($"the interval must be at least 100 ms, not {Interval.TotalMilliseconds:0} ms");
        if (ScanInterval < TimeSpan.Zero) errors.Add("the scan interval must not be negative");
        if (SampleWindow < TimeSpan.Zero) errors.Add("the sample window must not be negative");
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff) errors.Add("the backoff must be positive and its maximum at least its start");
        if (GuestParallelism < 1) errors.Add("guest parallelism must be at least 1");
        return errors;
    }
}
