namespace Vmorph.Profiles;

/// <summary>
/// Decayed mean of a metric for each of the 168 hours of the week (Monday 00:00 UTC first): the shape of a VM's week,
/// which the daily- and weekly-periodicity features and the seasonal forecasts read.
/// </summary>
public sealed class SeasonalSummary
{
    /// <summary>Hours in a week.</summary>
    public const int HoursPerWeek = 168;

    private readonly float[] sum;
    private readonly float[] weight;

    /// <summary>Creates an empty summary.</summary>
    public SeasonalSummary()
    {
        sum = new float[HoursPerWeek];
        weight = new float[HoursPerWeek];
    }

    internal SeasonalSummary(float[] sum, float[] weight)
    {
        if (sum.Length != HoursPerWeek || weight.Length != HoursPerWeek) throw new ArgumentException($"expected {HoursPerWeek} hours");
        this.sum = sum;
        this.weight = weight;
    }

    /// <summary>The hour of the week of a time: 0 is Monday 00:00–01:00 UTC.</summary>
    public static int HourOfWeek(long unixSeconds)
    {
        // 1970-01-01 was a Thursday: Thursday 00:00 is hour 72 of a week that starts on Monday.
        var hours = (long)Math.Floor(unixSeconds / 3600.0) + 72;
        return (int)(((hours % HoursPerWeek) + HoursPerWeek) % HoursPerWeek);
    }

    /// <summary>Adds a value with a weight.</summary>
    public void Add(long unixSeconds, double value, double sampleWeight) => Add(HourOfWeek(unixSeconds), value, sampleWeight);

    /// <summary>Adds a value at an hour of the week (see <see cref="HourOfWeek"/>) with a weight.</summary>
    public void Add(int h, double value, double sampleWeight)
    {
        sum[h] += (float)(value * sampleWeight);
        weight[h] += (float)sampleWeight;
    }

    /// <summary>Multiplies every weight by a factor (decay rescaling).</summary>
    public void Rescale(double factor)
    {
        for (var i = 0; i < HoursPerWeek; i++)
        {
            sum[i] = (float)(sum[i] * factor);
            weight[i] = (float)(weight[i] * factor);
        }
    }

    /// <summary>The decayed mean for an hour of the week, or null where nothing was seen at that hour.</summary>
    public double? Mean(int hourOfWeek) => weight[hourOfWeek] > 0 ? sum[hourOfWeek] / weight[hourOfWeek] : null;

    /// <summary>How many hours of the week have data.</summary>
    public int HoursCovered => weight.Count(w => w > 0);

    /// <summary>
    /// Strength of a cycle of <paramref name="periodHours"/> (24: daily, 168: weekly): the share of the variance of
    /// the hourly means that the cycle's phase explains, 0 (none) to 1 (all). Null with fewer than two full cycles of
    /// hours covered.
    /// </summary>
    public double? CycleStrength(int periodHours)
    {
        var means = Enumerable.Range(0, HoursPerWeek).Select(Mean).ToArray();
        var present = means.Where(m => m.HasValue).Select(m => m!.Value).ToArray();
        if (present.Length < Math.Min(periodHours * 2, HoursPerWeek)) return null;
        var grand = present.Average();
        var total = present.Sum(m => (m - grand) * (m - grand));
        if (total <= 1e-12) return 0;
        double explained;
        if (periodHours >= HoursPerWeek)
        {
            // Weekly: how much the day of the week explains beyond the hour of the day.
            var byHourOfDay = Enumerable.Range(0, 24).Select(h => Average(means, i => i % 24 == h)).ToArray();
            var byDay = new double[7];
            for (var d = 0; d < 7; d++)
            {
                var residuals = Enumerable.Range(d * 24, 24).Where(i => means[i].HasValue)
                    .Select(i => means[i]!.Value - (byHourOfDay[i % 24] ?? grand)).ToArray();
                byDay[d] = residuals.Length > 0 ? residuals.Average() : 0;
            }
            explained = Enumerable.Range(0, HoursPerWeek).Where(i => means[i].HasValue).Sum(i => byDay[i / 24] * byDay[i / 24]);
            return Math.Clamp(explained / total, 0, 1);
        }
        var phase = Enumerable.Range(0, periodHours).Select(p => Average(means, i => i % periodHours == p)).ToArray();
        explained = Enumerable.Range(0, HoursPerWeek).Where(i => means[i].HasValue)
            .Sum(i => Math.Pow((phase[i % periodHours] ?? grand) - grand, 2));
        return Math.Clamp(explained / total, 0, 1);
    }

    private static double? Average(double?[] means, Func<int, bool> select)
    {
        var values = Enumerable.Range(0, means.Length).Where(i => select(i) && means[i].HasValue).Select(i => means[i]!.Value).ToArray();
        return values.Length > 0 ? values.Average() : null;
    }

    internal (float[] Sum, float[] Weight) Copy() => ((float[])sum.Clone(), (float[])weight.Clone());
}
