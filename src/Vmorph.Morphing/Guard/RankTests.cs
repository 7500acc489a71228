using MathNet.Numerics.Distributions;

namespace Vmorph.Guard;

/// <summary>The tests the guard uses. MathNet.Numerics supplies the distributions; it has no rank tests, so Mann–Whitney U is here.</summary>
internal static class RankTests
{
    /// <summary>
    /// The one-sided Mann–Whitney U test that <paramref name="observed"/> tends to be larger than
    /// <paramref name="baseline"/>: U of the observed sample, and the p-value from the normal approximation with tie
    /// correction and continuity correction (good from about ten samples per side, which the policy requires).
    /// </summary>
    public static (double U, double P) MannWhitneyGreater(IReadOnlyList<double> baseline, IReadOnlyList<double> observed)
    {
        int n1 = observed.Count, n2 = baseline.Count, n = n1 + n2;
        var all = observed.Select(v => (Value: v, Observed: true)).Concat(baseline.Select(v => (Value: v, Observed: false)))
            .OrderBy(x => x.Value).ToArray();
        double rankSumObserved = 0, tieTerm = 0;
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && all[j + 1].Value == all[i].Value) j++;
            var rank = (i + j) / 2.0 + 1;
            var ties = j - i + 1;
            tieTerm += (double)ties * ties * ties - ties;
            for (var k = i; k <= j; k++)
                if (all[k].Observed) rankSumObserved += rank;
            i = j + 1;
        }
        var u = rankSumObserved - n1 * (n1 + 1) / 2.0;
        var mean = n1 * (double)n2 / 2;
        var variance = n1 * (double)n2 / 12 * ((n + 1) - tieTerm / (n * (double)(n - 1)));
        if (variance <= 0) return (u, 1);
        var z = (u - mean - 0.5) / Math.Sqrt(variance);
        return (u, 1 - Normal.CDF(0, 1, z));
    }

    /// <summary>The one-sided Mann–Whitney U test that <paramref name="observed"/> tends to be smaller.</summary>
    public static (double U, double P) MannWhitneyLess(IReadOnlyList<double> baseline, IReadOnlyList<double> observed) =>
        MannWhitneyGreater([.. baseline.Select(v => -v)], [.. observed.Select(v => -v)]);

    /// <summary>
    /// Fisher's exact test, one-sided: the chance of at least <paramref name="observedFailures"/> failures among the
    /// observed probes if failures were spread evenly over both windows.
    /// </summary>
    public static double FisherMoreFailures(int baselineFailures, int baselineCount, int observedFailures, int observedCount)
    {
        var population = baselineCount + observedCount;
        var failures = baselineFailures + observedFailures;
        if (observedFailures == 0) return 1;
        return 1 - Hypergeometric.CDF(population, failures, observedCount, observedFailures - 1);
    }

    /// <summary>The one-sided binomial test: the chance of at most <paramref name="successes"/> in <paramref name="count"/> at success rate <paramref name="rate"/>.</summary>
    public static double BinomialAtMost(int successes, int count, double rate) =>
        rate >= 1 ? (successes < count ? 0 : 1) : Binomial.CDF(rate, count, successes);

    /// <summary>The median of values (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
