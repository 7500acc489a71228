namespace Vmorph.Profiles;

/// <summary>
/// How in-guest evidence (applications, listening ports, peers) fades: a snapshot's weight halves every half-life, so
/// a share of snapshots is a share of recent ones and a VM that stopped doing something stops looking like it. Time
/// comes from the snapshots' timestamps only.
/// </summary>
public static class Recency
{
    /// <summary>The half-life when nothing sets one: a day.</summary>
    public static TimeSpan DefaultHalfLife { get; } = TimeSpan.FromDays(1);

    /// <summary>The factor by which a weight held at <paramref name="from"/> has decayed by <paramref name="to"/> (1 when <paramref name="to"/> is not later).</summary>
    public static double Decay(DateTimeOffset from, DateTimeOffset to, TimeSpan halfLife) =>
        to <= from ? 1 : Math.Pow(2, -(to - from).TotalSeconds / Math.Max(1, halfLife.TotalSeconds));

    /// <summary>The later of two times.</summary>
    public static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    /// <summary>
    /// Adds one snapshot at <paramref name="at"/> to a decayed count held as of <paramref name="reference"/>; returns the
    /// new count and the time it is held as of (the later of the two). Snapshots in any order give the same count.
    /// </summary>
    public static (double Weight, DateTimeOffset AsOf) Add(double weight, DateTimeOffset? reference, DateTimeOffset at, TimeSpan halfLife)
    {
        var asOf = Later(reference, at);
        var carried = reference is { } r ? weight * Decay(r, asOf, halfLife) : 0;
        return (carried + Decay(at, asOf, halfLife), asOf);
    }
}
