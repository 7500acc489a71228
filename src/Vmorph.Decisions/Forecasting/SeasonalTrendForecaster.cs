using MathNet.Numerics;

namespace Vmorph.Forecasting;

/// <summary>
/// Quantiles of the horizon peak from daily and weekly seasonality and trend: a mixture of decaying histograms of past
/// peaks that started at the same hour of the week (half-life 3 weeks), the same hour of the day (half-life 1 week) and
/// any time (half-life 2 days), shifted by the linear trend of the daily means of the last 14 days (least squares,
/// MathNet.Numerics). Hours are read in the policy's time zone, so a daily rhythm survives a daylight-saving change.
/// When the VM's dominant cycle is known (<see cref="Cycle"/>) and is neither a day nor a week, the same-hour-of-the-day
/// histograms give way to 24 histograms by phase of that cycle (the same twenty-fourth of a 16-hour or a 3-day cycle),
/// and the same-hour-of-the-week ones are not used.
/// </summary>
public sealed class SeasonalTrendForecaster : IDemandForecaster
{
    private const int HoursPerWeek = 168;
    private const double MinWeeklyObservations = 4;
    private const int TrendDays = 14;

    private readonly double scale;
    private readonly TimeZoneInfo zone;
    // The sketches hold at most 3 buckets an hour of the week, 6 an hour of the day and 24 for any time, merging the
    // neighbours that move the least past that: without a bound they keep every bucket a peak ever fell in, and grow
    // with the VM's age (3,444 entries a VM at 56 days of Bitbrains, 1,649 at 14). These bounds held every figure of
    // the frontier replay (docs/BENCHMARKS.md, "Session 25"); a third fewer moved vmorph-safe's memory shortfalls.
    private readonly DecayedSketches weekly = new(HoursPerWeek, TimeSpan.FromDays(21), maxEntries: 3 * HoursPerWeek);
    private readonly DecayedSketches daily = new(24, TimeSpan.FromDays(7), maxEntries: 6 * 24);
    private long cycleSeconds;
    private readonly DecayedSketches all = new(1, TimeSpan.FromDays(2), maxEntries: 24);
    private readonly Queue<(long Day, double Mean)> dailyMeans = new();
    private long currentDay = long.MinValue;
    private double daySum;
    private int dayCount;
    private double trendPerDay;

    /// <summary>Creates it for a resource whose capacity is <paramref name="scale"/>, reading hours in <paramref name="zone"/>.</summary>
    public SeasonalTrendForecaster(double scale, TimeZoneInfo? zone = null)
    {
        this.scale = scale > 0 ? scale : 1;
        this.zone = zone ?? TimeZoneInfo.Utc;
    }

    /// <inheritdoc />
    public string Name => "seasonal";

    /// <summary>
    /// The VM's dominant cycle, or null. Setting a cycle other than the one in use starts the phase histograms afresh;
    /// a day, a week or none keeps the hour of the day.
    /// </summary>
    public TimeSpan? Cycle
    {
        get => cycleSeconds > 0 ? TimeSpan.FromSeconds(cycleSeconds) : null;
        set
        {
            var seconds = value is { } v && v != TimeSpan.FromDays(1) && v != TimeSpan.FromDays(7) && v > TimeSpan.Zero ? (long)v.TotalSeconds : 0;
            if (seconds == cycleSeconds) return;
            cycleSeconds = seconds;
            daily.Clear();
        }
    }

    /// <summary>The fitted trend, in capacity shares per day.</summary>
    public double TrendPerDay => trendPerDay;

    /// <inheritdoc />
    public double Forecast(long nowUnixSeconds, UsageHistory history, double quantile)
    {
        var (hourOfWeek, hourOfDay) = Slots(nowUnixSeconds);
        // A dominant cycle that is not a day or a week does not repeat at the same hour of the week either.
        var week = cycleSeconds > 0 || weekly.WeightAt(hourOfWeek, nowUnixSeconds) < MinWeeklyObservations ? null : weekly;
        ReadOnlySpan<DecayedSketches?> sets = [week, daily, all];
        ReadOnlySpan<int> sketches = [hourOfWeek, hourOfDay, 0];
        ReadOnlySpan<double> shares = [0.5, 0.3, 0.2];
        var q = DecayedSketches.MixtureQuantile(sets, sketches, shares, quantile);
        if (double.IsNaN(q)) return double.NaN;
        // The seasonal sketches remember about a week back; move the forecast along the trend by half of that.
        var shifted = q + Math.Clamp(trendPerDay * 3.5, -0.1, 0.1);
        return Math.Max(0, shifted) * scale;
    }

    /// <inheritdoc />
    public void Learn(long originUnixSeconds, double peak)
    {
        if (double.IsNaN(peak)) return;
        var value = peak / scale;
        var (hourOfWeek, hourOfDay) = Slots(originUnixSeconds);
        weekly.Add(hourOfWeek, originUnixSeconds, value);
        daily.Add(hourOfDay, originUnixSeconds, value);
        all.Add(0, originUnixSeconds, value);

        var dayIndex = (long)Math.Floor(originUnixSeconds / 86400.0);
        if (dayIndex != currentDay)
        {
            if (dayCount > 0) CloseDay();
            currentDay = dayIndex;
            daySum = 0;
            dayCount = 0;
        }
        daySum += value;
        dayCount++;
    }

    private void CloseDay()
    {
        dailyMeans.Enqueue((currentDay, daySum / dayCount));
        while (dailyMeans.Count > TrendDays) dailyMeans.Dequeue();
        if (dailyMeans.Count < 4)
        {
            trendPerDay = 0;
            return;
        }
        var xs = dailyMeans.Select(d => (double)(d.Day - currentDay)).ToArray();
        var ys = dailyMeans.Select(d => d.Mean).ToArray();
        var (_, slope) = Fit.Line(xs, ys);
        trendPerDay = double.IsFinite(slope) ? slope : 0;
    }

    private (int HourOfWeek, int HourOfDay) Slots(long unixSeconds)
    {
        var local = ReferenceEquals(zone, TimeZoneInfo.Utc)
            ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds)
            : TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(unixSeconds), zone);
        var dayOfWeek = ((int)local.DayOfWeek + 6) % 7; // Monday = 0
        var phase = cycleSeconds > 0 ? (int)(((unixSeconds % cycleSeconds) + cycleSeconds) % cycleSeconds * 24 / cycleSeconds) : local.Hour;
        return (dayOfWeek * 24 + local.Hour, phase);
    }
}
