namespace Vmorph.Profiles;

/// <summary>
/// The highest value of each of the last <see cref="Days"/> days (UTC) that have data: the "recent peaks" a recommender
/// sizes from. Keyed by day, so it keeps the same days whatever order samples arrive in.
/// </summary>
public sealed class DailyPeaks
{
    /// <summary>How many days are kept.</summary>
    public const int Days = 14;

    private readonly int[] day = new int[Days];
    private readonly float[] peak = new float[Days];

    /// <summary>Creates an empty record of peaks.</summary>
    public DailyPeaks() => Array.Fill(day, int.MinValue);

    internal DailyPeaks(int[] day, float[] peak)
    {
        if (day.Length != Days || peak.Length != Days) throw new ArgumentException($"expected {Days} days of peaks");
        this.day = day;
        this.peak = peak;
    }

    /// <summary>Adds a value seen at a time.</summary>
    public void Add(long unixSeconds, double value) => Add(DayOf(unixSeconds), value);

    /// <summary>The day number (days since the Unix epoch, UTC) of a time.</summary>
    public static int DayOf(long unixSeconds) => (int)Math.Floor(unixSeconds / 86400.0);

    /// <summary>Adds a value seen on a day (see <see cref="DayOf"/>).</summary>
    public void Add(int d, double value)
    {
        var slot = (int)((uint)d % Days);
        if (day[slot] < d)
        {
            day[slot] = d;
            peak[slot] = (float)value;
        }
        else if (day[slot] == d && value > peak[slot])
        {
            peak[slot] = (float)value;
        }
    }

    /// <summary>The peaks, oldest day first, as (day start, peak).</summary>
    public IReadOnlyList<(DateTimeOffset Day, double Peak)> Values()
    {
        var latest = day.Max();
        return Enumerable.Range(0, Days)
            .Where(i => day[i] != int.MinValue && day[i] > latest - Days)
            .OrderBy(i => day[i])
            .Select(i => (DateTimeOffset.FromUnixTimeSeconds(day[i] * 86400L), (double)peak[i]))
            .ToList();
    }

    internal (int[] Day, float[] Peak) Copy() => ((int[])day.Clone(), (float[])peak.Clone());
}
