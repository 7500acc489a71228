namespace Vmorph.Triggers;

/// <summary>
/// Hysteresis of shrinking: a resource shrinks only when the wanted amount has stayed below the allocation by more
/// than the band, continuously, for the hold time; growth is never held. Per resource.
/// </summary>
public sealed class ShrinkHysteresis(double band, TimeSpan hold)
{
    private DateTimeOffset? belowSince;

    /// <summary>Whether <paramref name="wanted"/> may replace <paramref name="current"/> now.</summary>
    public bool AllowShrink(DateTimeOffset now, double current, double wanted)
    {
        if (!(wanted < current * (1 - band)))
        {
            belowSince = null;
            return false;
        }
        belowSince ??= now;
        return now - belowSince.Value >= hold;
    }

    /// <summary>Whether the wanted amount is below the band now (held or not).</summary>
    public static bool Below(double current, double wanted, double band) => wanted < current * (1 - band);

    /// <summary>Forgets the time below the band (after a morph).</summary>
    public void Reset() => belowSince = null;
}
