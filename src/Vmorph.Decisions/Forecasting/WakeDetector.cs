namespace Vmorph.Forecasting;

/// <summary>Tells wake-ups in a stream of CPU samples: use at or above a share of the running 7-day peak after six quiet hours.</summary>
public sealed class WakeDetector(double wakeShare)
{
    private readonly UsageHistory history = new(2016);
    private long lastBusy = long.MinValue;
    private double peak = double.NaN;
    private long peakDay = long.MinValue;

    /// <summary>Adds a sample; true when it is a wake-up.</summary>
    public bool Add(long unixSeconds, double cores)
    {
        var day = unixSeconds / 86400;
        if (day != peakDay)
        {
            // Recompute the 7-day peak once a day; newer samples raise it in between.
            peakDay = day;
            peak = history.MaxSince(unixSeconds - 7 * 86400L);
        }
        history.Add(unixSeconds, cores);
        if (double.IsNaN(cores)) return false;
        if (double.IsNaN(peak) || cores > peak) peak = cores;
        var threshold = wakeShare * peak;
        if (!(cores >= threshold) || threshold <= 0) return false;
        var woke = lastBusy != long.MinValue && unixSeconds - lastBusy >= (long)PeerWakeModel.Quiet.TotalSeconds;
        lastBusy = unixSeconds;
        return woke;
    }
}
