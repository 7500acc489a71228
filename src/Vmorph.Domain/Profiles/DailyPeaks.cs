namespace Vmorph.Profiles;

/// <summary>
/// The highest value of each of the last <see cref="Days"/> days (UTC) that have data: the "recent peaks" a recommender
/// sizes from. Keyed by day, so it keeps the same days whatever order samples arrive in.
/// </summary>
public sealed class DailyPeaks
{
    /// <summary>How many days are kept.</summary>
    public const int Days = 14;

    // The latest day with a peak, and which of the days up to Days before it have one: a bit and a peak a day, in the
    // slot of the day's number modulo Days (the only day of the window in that slot, so its number need not be held).
    private int latest = int.MinValue;
    private ushort held;
    private readonly float[] peak = new float[Days];

    /// <summary>Creates an empty record of peaks.</summary>
    public DailyPeaks()
    {
    }

    // Reads what Copy wrote: each slot's day number (int.MinValue: none) and peak.
    internal DailyPeaks(int[] day, float[] peak)
    {
        if (day.Length != Days || peak.Length != Days) throw new ArgumentException($"expected {Days} days of peaks");
        for (var i = 0; i < Days; i++)
            if (day[i] != int.MinValue) Add(day[i], peak[i]);
    }

    /// <summary>Adds a value seen at a time.</summary>
    public void Add(long unixSeconds, double value) => Add(DayOf(unixSeconds), value);

    /// <summary>The day number (days since the Unix epoch, UTC) of a time.</summary>
    public static int DayOf(long unixSeconds) => (int)Math.Floor(unixSeconds / 86400.0);

    /// <summary>Adds a value seen on a day (see <see cref="DayOf"/>).</summary>
    public void Add(int d, double value)
    {
        if (d > latest)
        {
            // The days that leave the window free their slots for the days that enter it.
            if ((long)d - latest >= Days) held = 0;
            else
                for (var entering = latest + 1; entering <= d; entering++) held &= (ushort)~Bit(entering);
            latest = d;
        }
        else if (d <= (long)latest - Days)
        {
            return;
        }
        var slot = Slot(d);
        if ((held & Bit(d)) == 0)
        {
            held |= (ushort)Bit(d);
            peak[slot] = (float)value;
        }
        else if (value > peak[slot])
        {
            peak[slot] = (float)value;
        }
    }

    /// <summary>The peaks, oldest day first, as (day start, peak).</summary>
    public IReadOnlyList<(DateTimeOffset Day, double Peak)> Values()
    {
        var values = new List<(DateTimeOffset, double)>(Days);
        if (latest == int.MinValue) return values;
        for (var d = latest - Days + 1; d <= latest; d++)
            if ((held & Bit(d)) != 0) values.Add((DateTimeOffset.FromUnixTimeSeconds(d * 86400L), peak[Slot(d)]));
        return values;
    }

    // Each slot's day number (int.MinValue: none) and peak, as the stored document holds them.
    internal (int[] Day, float[] Peak) Copy()
    {
        var day = new int[Days];
        var peaks = new float[Days];
        Array.Fill(day, int.MinValue);
        if (latest != int.MinValue)
            for (var d = latest - Days + 1; d <= latest; d++)
            {
                if ((held & Bit(d)) == 0) continue;
                day[Slot(d)] = d;
                peaks[Slot(d)] = peak[Slot(d)];
            }
        return (day, peaks);
    }

    private static int Slot(int d) => ((d % Days) + Days) % Days;

    private static int Bit(int d) => 1 << Slot(d);
}
