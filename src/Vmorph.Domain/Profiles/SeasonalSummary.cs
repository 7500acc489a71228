namespace Vmorph.Profiles;

/// <summary>
/// Decayed mean of a metric for each of the 168 hours of the week (Monday 00:00 UTC first): the shape of a VM's week,
/// which the daily- and weekly-periodicity features and the seasonal forecasts read.
/// </summary>
public sealed class SeasonalSummary
{
    /// <summary>Hours in a week.</summary>
    public const int HoursPerWeek = 168;

    // Hours a borrowing summary's weight differs from its lender's beyond this: it takes a whole array of its own.
    private const int MostHoursApart = 24;

    private readonly float[] sum;
    // Its own weights; or, borrowing, the lender's (the other utilisation's, fed the same samples: it adds to them and
    // rescales them), with the hours whose weight differs from the lender's held apart, by hour (null: not borrowing).
    private float[] weight;
    private List<(int Hour, float Weight)>? apart;

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
        if (apart is null) weight[h] += (float)sampleWeight;
        else if (IndexApart(h) is var at && at >= 0) apart![at] = (h, apart[at].Weight + (float)sampleWeight);
    }

    /// <summary>Multiplies every weight by a factor (decay rescaling).</summary>
    public void Rescale(double factor)
    {
        for (var i = 0; i < HoursPerWeek; i++)
        {
            sum[i] = (float)(sum[i] * factor);
            if (apart is null) weight[i] = (float)(weight[i] * factor);
        }
        for (var i = 0; i < (apart?.Count ?? 0); i++) apart![i] = (apart[i].Hour, (float)(apart[i].Weight * factor));
    }

    /// <summary>The decayed mean for an hour of the week, or null where nothing was seen at that hour.</summary>
    public double? Mean(int hourOfWeek) => WeightAt(hourOfWeek) is var w && w > 0 ? sum[hourOfWeek] / w : null;

    /// <summary>How many hours of the week have data.</summary>
    public int HoursCovered => Enumerable.Range(0, HoursPerWeek).Count(h => WeightAt(h) > 0);

    /// <summary>Whether it holds another summary's weights (see <see cref="Lending"/>).</summary>
    internal bool Borrows => apart is not null;

    /// <summary>
    /// A new, empty summary that borrows this one's weights: it is fed the same samples from now on, except those
    /// <see cref="HoldApart"/> is told of. The hours this one has weight in are held apart from the start.
    /// </summary>
    internal SeasonalSummary Lending()
    {
        var borrower = new SeasonalSummary(new float[HoursPerWeek], weight) { apart = [] };
        for (var h = 0; h < HoursPerWeek; h++)
            if (weight[h] != 0) borrower.apart!.Add((h, 0f));
        borrower.OwnIfFarApart();
        return borrower;
    }

    /// <summary>Borrows <paramref name="lender"/>'s weights, holding apart the hours where they differ, if they are few.</summary>
    internal void BorrowFrom(SeasonalSummary lender)
    {
        if (Borrows || lender.Borrows) return;
        List<(int, float)> differ = [];
        for (var h = 0; h < HoursPerWeek && differ.Count <= MostHoursApart; h++)
            if (BitConverter.SingleToInt32Bits(weight[h]) != BitConverter.SingleToInt32Bits(lender.weight[h])) differ.Add((h, weight[h]));
        if (differ.Count > MostHoursApart) return;
        (weight, apart) = (lender.weight, differ);
    }

    /// <summary>
    /// A sample at hour <paramref name="h"/> is about to be added to only one of this borrower and its lender: the
    /// hour's weight is held apart from then on (nothing, when it does not borrow).
    /// </summary>
    internal void HoldApart(int h)
    {
        if (apart is null || IndexApart(h) >= 0) return;
        var at = ~apart.BinarySearch((h, 0f), HourOrder);
        apart.Insert(at, (h, weight[h]));
        OwnIfFarApart();
    }

    private static readonly Comparer<(int Hour, float Weight)> HourOrder = Comparer<(int Hour, float Weight)>.Create((a, b) => a.Hour.CompareTo(b.Hour));

    private int IndexApart(int h) => apart is null ? -1 : apart.BinarySearch((h, 0f), HourOrder);

    private float WeightAt(int h) => IndexApart(h) is var at && at >= 0 ? apart![at].Weight : weight[h];

    // Too many hours apart: a whole array of its own.
    private void OwnIfFarApart()
    {
        if (apart!.Count <= MostHoursApart) return;
        var own = new float[HoursPerWeek];
        for (var h = 0; h < HoursPerWeek; h++) own[h] = WeightAt(h);
        (weight, apart) = (own, null);
    }

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

    internal (float[] Sum, float[] Weight) Copy() => ((float[])sum.Clone(), [.. Enumerable.Range(0, HoursPerWeek).Select(WeightAt)]);
}
