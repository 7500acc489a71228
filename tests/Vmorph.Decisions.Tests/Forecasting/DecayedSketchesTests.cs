using Vmorph.Forecasting;
using Vmorph.Profiles;

namespace Vmorph.Decisions.Tests.Forecasting;

public class DecayedSketchesTests
{
    private const double HalfLife = 86400;

    // The same decay as the sketches' (half-life 1 day, one reference for the set), kept by hand on whole histograms.
    private sealed class WholeHistograms(int count)
    {
        private long reference = long.MinValue;

        public DecayingHistogram[] Histograms { get; } = [.. Enumerable.Range(0, count).Select(_ => new DecayingHistogram(DecayedSketches.Scale))];

        public void Add(int sketch, long t, double value)
        {
            if (reference == long.MinValue) reference = t;
            var exponent = (t - reference) / HalfLife;
            if (exponent > 40)
            {
                var shift = Math.Floor(exponent);
                foreach (var histogram in Histograms) histogram.Rescale(Math.Pow(2, -shift));
                reference += (long)(shift * HalfLife);
                exponent -= shift;
            }
            Histograms[sketch].Add(value, Math.Pow(2, exponent));
        }
    }

    [Fact]
    public void Sketches_FedInTurn_EachHoldOnlyTheBucketsItsValuesFallIn_AndAnswerAsTheWholeHistogram()
    {
        // Six sketches in one set, fed in turn with 60 days of hourly peaks, each in its own band, with a few outliers
        // late: the sketches take new buckets (below and above theirs), shift the later sketches' entries up, and
        // rescale (exponent past 40).
        const int count = 6;
        var sketches = new DecayedSketches(count, TimeSpan.FromSeconds(HalfLife));
        var wholes = new WholeHistograms(count);
        var random = new Random(3);
        for (long t = 0; t < 60 * 86400L; t += 3600)
        {
            var s = (int)(t / 3600 % count);
            var band = 0.05 + 0.15 * s;
            var value = t == 50 * 86400L ? 1.7 : t == 55 * 86400L + 3600 ? 0.002 : t % (7 * 86400L) < 3600 * count ? band * 2.5 : band + 0.1 * random.NextDouble();
            sketches.Add(s, t, value);
            wholes.Add(s, t, value);

            for (var k = 0; k < count; k++)
            {
                // A sketch's weights are the histogram's to the 16 significant bits an entry keeps, rounded at each
                // sum (within 1/1024 after a few hundred sums), its total is the sum of its weights, and its quantiles
                // are read against that total: those of the held weights exactly, the histogram's within the rounding.
                var whole = wholes.Histograms[k];
                var held = Enumerable.Range(0, DecayedSketches.Scale.BucketCount).Select(b => sketches.Weight(k, b)).ToArray();
                Assert.Equal(held.Sum(w => (double)w), sketches.TotalWeight(k));
                Assert.Equal(whole.TotalWeight, sketches.TotalWeight(k), whole.TotalWeight / 1024);
                foreach (var q in new[] { 0.0, 0.1, 0.5, 0.9, 0.99, 1.0 })
                {
                    Assert.Equal(QuantileOf(held, q), sketches.Quantile(k, q));
                    var expected = QuantileOf(whole.Weights.ToArray(), q);
                    if (double.IsNaN(expected)) Assert.True(double.IsNaN(sketches.Quantile(k, q)));
                    else Assert.Equal(expected, sketches.Quantile(k, q), expected / 256);
                }
            }
        }
        for (var k = 0; k < count; k++)
        {
            var weights = wholes.Histograms[k].Weights.ToArray();
            for (var b = 0; b < DecayedSketches.Scale.BucketCount; b++) Assert.Equal(weights[b], sketches.Weight(k, b), weights[b] / 1024);
            var held = Enumerable.Range(0, DecayedSketches.Scale.BucketCount).Where(b => weights[b] > 0).ToArray();
            Assert.Equal(held.Length, sketches.BucketsHeld(k));
        }
        // Sketch 0 took the 1.7 at day 50 (hour 1200), sketch 1 the 0.002 (hour 1321): far from their bands, one entry each.
        Assert.True(sketches.Weight(0, DecayedSketches.Scale.BucketOf(1.7)) > 0);
        Assert.True(sketches.Weight(1, DecayedSketches.Scale.BucketOf(0.002)) > 0);
        Assert.True(sketches.BucketsHeld(2) < DecayedSketches.Scale.BucketCount / 4);
        // The shared array holds the live entries and at most the growth of its last step free: four slots and a
        // sixty-fourth.
        var live = Enumerable.Range(0, count).Sum(sketches.BucketsHeld);
        Assert.InRange(sketches.SlotsAllocated, live, live + 4 + live / 64);
    }

    [Fact]
    public void Sketches_InSeveralRuns_FedInRandomOrder_KeepTheirOwnWeights()
    {
        // 40 sketches are three runs of 16 (the last one short): a new bucket in a sketch of the first run moves the
        // start of every later run, and a sketch's start adds up the counts before it in its run.
        const int count = 40;
        var sketches = new DecayedSketches(count, TimeSpan.FromSeconds(HalfLife));
        var wholes = new WholeHistograms(count);
        var random = new Random(11);
        for (long t = 0; t < 20 * 86400L; t += 300)
        {
            var s = random.Next(count);
            var value = 0.01 + s / 40.0 + 0.3 * random.NextDouble() * random.NextDouble();
            sketches.Add(s, t, value);
            wholes.Add(s, t, value);
        }
        for (var k = 0; k < count; k++)
        {
            var weights = wholes.Histograms[k].Weights.ToArray();
            Assert.Equal(weights.Count(w => w > 0), sketches.BucketsHeld(k));
            for (var b = 0; b < DecayedSketches.Scale.BucketCount; b++) Assert.Equal(weights[b], sketches.Weight(k, b), weights[b] / 1024);
            var expected = QuantileOf(weights, 0.9);
            Assert.Equal(expected, sketches.Quantile(k, 0.9), expected / 256);
        }
    }

    [Fact]
    public void Sketches_PastTheirBudget_MergeTheNeighboursThatMoveTheLeast()
    {
        // Every weight is 1 (one time): sketch 0 holds ten values at 0.1 and ten at 0.5, sketch 1 ten at 0.2 and one at
        // 0.9, four entries in all. A fifth, 0.6 in sketch 0 (the bucket above 0.5's), is one twenty-first of its
        // sketch and a bucket away from 0.5: it joins 0.5's bucket, rather than 0.9 (an eleventh of sketch 1, 0.7
        // away) joining 0.2's, or 0.1 and 0.5 (half the sketch) merging.
        var sketches = new DecayedSketches(2, TimeSpan.FromDays(1), maxEntries: 4);
        for (var i = 0; i < 10; i++)
        {
            sketches.Add(0, 0, 0.1);
            sketches.Add(0, 0, 0.5);
            sketches.Add(1, 0, 0.2);
        }
        sketches.Add(1, 0, 0.9);
        Assert.Equal(4, sketches.EntriesHeld);
        sketches.Add(0, 0, 0.6);
        Assert.NotEqual(DecayedSketches.Scale.BucketOf(0.5), DecayedSketches.Scale.BucketOf(0.6));

        Assert.Equal(4, sketches.EntriesHeld);
        Assert.Equal(5, sketches.SlotsAllocated);
        Assert.Equal(11f, sketches.Weight(0, DecayedSketches.Scale.BucketOf(0.5)));
        Assert.Equal(10f, sketches.Weight(0, DecayedSketches.Scale.BucketOf(0.1)));
        Assert.Equal(0f, sketches.Weight(0, DecayedSketches.Scale.BucketOf(0.6)));
        Assert.Equal(21, sketches.TotalWeight(0));
        Assert.Equal(1f, sketches.Weight(1, DecayedSketches.Scale.BucketOf(0.9)));
        // The lighter of two neighbours joins the heavier, whichever is lower: 0.22 (a bucket above 0.2) joins 0.2.
        sketches.Add(1, 0, 0.22);
        Assert.Equal(11f, sketches.Weight(1, DecayedSketches.Scale.BucketOf(0.2)));
        Assert.Equal(2, sketches.BucketsHeld(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecayedSketches(4, TimeSpan.FromDays(1), maxEntries: 3));
    }

    [Fact]
    public void Sketches_WithABudget_NeverHoldMore_AndKeepEachSketchsWeight()
    {
        // 40 sketches fed 60 days of noisy values with a budget of 3 entries a sketch, beside the same set unbounded:
        // after every value the bounded set holds at most its budget (and one slot more), and each sketch's total is the
        // unbounded one's (a merge moves weight, it does not drop it; within the entries' rounding).
        const int count = 40;
        var bounded = new DecayedSketches(count, TimeSpan.FromSeconds(HalfLife), maxEntries: 3 * count);
        var unbounded = new DecayedSketches(count, TimeSpan.FromSeconds(HalfLife));
        var random = new Random(5);
        var merged = false;
        for (long t = 0; t < 60 * 86400L; t += 300)
        {
            var s = random.Next(count);
            var value = 0.001 + s / 40.0 * random.NextDouble() + 0.2 * random.NextDouble() * random.NextDouble();
            bounded.Add(s, t, value);
            unbounded.Add(s, t, value);
            Assert.InRange(bounded.EntriesHeld, 1, 3 * count);
            Assert.InRange(bounded.SlotsAllocated, bounded.EntriesHeld, 3 * count + 1);
            merged |= unbounded.EntriesHeld > bounded.EntriesHeld;
            Assert.Equal(unbounded.TotalWeight(s), bounded.TotalWeight(s), unbounded.TotalWeight(s) / 1024);
        }
        Assert.True(merged);
        Assert.True(unbounded.EntriesHeld > 6 * count, $"the unbounded set holds {unbounded.EntriesHeld} entries");
        for (var k = 0; k < count; k++)
        {
            Assert.Equal(unbounded.TotalWeight(k), bounded.TotalWeight(k), unbounded.TotalWeight(k) / 1024);
            // The weight stays in the sketch's range: its lowest quantile not below the unbounded one's, its highest not above.
            Assert.True(bounded.Quantile(k, 0) >= unbounded.Quantile(k, 0));
            Assert.True(bounded.Quantile(k, 1) <= unbounded.Quantile(k, 1));
        }
    }

    // The quantile of a whole histogram's weights, read against their float sum, bucket by bucket.
    private static double QuantileOf(float[] weights, double q)
    {
        var total = weights.Sum(w => (double)w);
        return total > 0 ? WalkBuckets(b => weights[b], q * total) : double.NaN;
    }

    // The value at which the weights of the scale's buckets, taken in order, reach the target (interpolated within
    // its bucket); the scale's top when they never do.
    private static double WalkBuckets(Func<int, double> weight, double target)
    {
        var cumulative = 0.0;
        for (var b = 0; b < DecayedSketches.Scale.BucketCount; b++)
        {
            var w = weight(b);
            if (w <= 0) continue;
            if (cumulative + w >= target)
            {
                var lower = DecayedSketches.Scale.LowerBound(b);
                return lower + (target - cumulative) / w * (DecayedSketches.Scale.UpperBound(b) - lower);
            }
            cumulative += w;
        }
        return DecayedSketches.Scale.UpperBound(DecayedSketches.Scale.BucketCount - 1);
    }

    [Fact]
    public void Sketch_OfValuesInOneBand_HoldsAFewBuckets_AndAnEmptyOneHasNoQuantile()
    {
        var sketches = new DecayedSketches(2, TimeSpan.FromDays(7));
        for (var i = 0; i < 500; i++) sketches.Add(0, i * 300L, 0.5 + 0.05 * (i % 3));

        Assert.Equal(new[] { 0.5, 0.55, 0.6 }.Select(DecayedSketches.Scale.BucketOf).Distinct().Count(), sketches.BucketsHeld(0));
        Assert.True(double.IsNaN(sketches.Quantile(1, 0.5)));
        Assert.Equal(0, sketches.WeightAt(1, 1000));
    }

    [Fact]
    public void Clear_EmptiesEverySketch_AndTheyFillAgainAsNew()
    {
        var sketches = new DecayedSketches(3, TimeSpan.FromDays(1));
        var fresh = new DecayedSketches(3, TimeSpan.FromDays(1));
        for (var i = 0; i < 300; i++) sketches.Add(i % 3, i * 300L, 0.1 * (1 + i % 7));
        sketches.Clear();

        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(0, sketches.TotalWeight(k));
            Assert.Equal(0, sketches.BucketsHeld(k));
            Assert.True(double.IsNaN(sketches.Quantile(k, 0.9)));
        }
        for (var i = 0; i < 100; i++)
        {
            sketches.Add(i % 3, 500_000 + i * 300L, 0.3 + 0.01 * i);
            fresh.Add(i % 3, 500_000 + i * 300L, 0.3 + 0.01 * i);
        }
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(fresh.TotalWeight(k), sketches.TotalWeight(k));
            Assert.Equal(fresh.Quantile(k, 0.9), sketches.Quantile(k, 0.9));
            Assert.Equal(fresh.WeightAt(k, 600_000), sketches.WeightAt(k, 600_000));
        }
    }

    [Fact]
    public void MixtureQuantile_LeavesOutEmptySketchesAndMissingSets_AndRenormalisesTheShares()
    {
        var a = new DecayedSketches(2, TimeSpan.FromDays(1));
        var b = new DecayedSketches(1, TimeSpan.FromDays(2));
        for (var i = 0; i < 200; i++)
        {
            a.Add(0, i * 300L, 0.2 + 0.001 * i);
            b.Add(0, i * 300L, 0.8);
        }

        // One sketch alone: its own quantile.
        Assert.Equal(a.Quantile(0, 0.5), DecayedSketches.MixtureQuantile([a, null], [0, 0], [0.5, 0.5], 0.5), 12);
        // An empty sketch (a's second) counts as a missing one.
        var withEmpty = DecayedSketches.MixtureQuantile([a, a, b], [0, 1, 0], [0.5, 0.3, 0.2], 0.9);
        var withMissing = DecayedSketches.MixtureQuantile([a, null, b], [0, 0, 0], [0.5, 0.3, 0.2], 0.9);
        Assert.Equal(withMissing, withEmpty);
        // Half of the mixture at 0.8: its P90 lies in b's bucket, its P10 in a's band.
        Assert.Equal(DecayedSketches.Scale.BucketOf(0.8), DecayedSketches.Scale.BucketOf(DecayedSketches.MixtureQuantile([a, b], [0, 0], [0.5, 0.5], 0.9)));
        Assert.InRange(DecayedSketches.MixtureQuantile([a, b], [0, 0], [0.5, 0.5], 0.1), 0.18, 0.42);
        Assert.True(double.IsNaN(DecayedSketches.MixtureQuantile([a, null], [1, 0], [0.5, 0.5], 0.5)));
    }

    [Fact]
    public void MixtureQuantile_IsTheQuantileOfTheSketchesMixedBucketByBucket()
    {
        // Three sets of sketches, fed apart (different bands, outliers, decays), mixed as the seasonal forecaster mixes
        // its week, day and overall sketches. The reference walks all buckets in order and mixes each bucket's weights
        // in set order (the sketches' weights are those of whole histograms: the first test): the mixture, which walks
        // only the buckets the sketches hold, must give the same double.
        var sets = new[] { new DecayedSketches(4, TimeSpan.FromDays(21)), new DecayedSketches(2, TimeSpan.FromDays(7)), new DecayedSketches(1, TimeSpan.FromDays(2)) };
        var random = new Random(11);
        var compared = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var t = i * 3600L;
            for (var s = 0; s < sets.Length; s++)
            {
                var k = i % sets[s].Count;
                var value = i % 97 == 0 ? 1.5 : i % 89 == 0 ? 0.003 : 0.1 * (s + 1) + 0.2 * random.NextDouble() * (k + 1) / sets[s].Count;
                sets[s].Add(k, t, value);
            }
            if (i % 7 != 0) continue;
            int[] chosen = [i % 4, (i + 1) % 2, 0];
            double[] shares = [0.5, 0.3, 0.2];
            foreach (var q in new[] { 0.0, 0.1, 0.5, 0.9, 0.99, 1.0 })
            {
                Assert.Equal(Reference(chosen, shares, q), DecayedSketches.MixtureQuantile(sets, chosen, shares, q));
                compared++;
            }
            // A set left out (the week, before it has seen enough): the others' shares renormalised.
            Assert.Equal(Reference(chosen, [0, 0.3, 0.2], 0.9), DecayedSketches.MixtureQuantile([null, sets[1], sets[2]], chosen, shares, 0.9));
        }
        Assert.Equal(286 * 6, compared);

        double Reference(int[] chosen, double[] shares, double q)
        {
            var factor = new double[3];
            var totalShare = 0.0;
            for (var s = 0; s < 3; s++)
            {
                var total = sets[s].TotalWeight(chosen[s]);
                if (!(total > 0) || shares[s] == 0) continue;
                factor[s] = shares[s] / total;
                totalShare += shares[s];
            }
            return WalkBuckets(b =>
            {
                var w = 0.0;
                for (var s = 0; s < 3; s++)
                    if (factor[s] > 0) w += sets[s].Weight(chosen[s], b) * factor[s];
                return w;
            }, q * totalShare);
        }
    }

    [Fact]
    public void Sketches_FedTimesCenturiesApart_DecayOnOneClock_TheOlderEmptyingAndTheNewerAnsweringAsASetOfItsOwn()
    {
        // One time reference serves the set: sketch 0 fed around 2023 and sketch 1 around 2118 (hour by hour in turn)
        // decay on one clock, so sketch 0's weights are nothing beside sketch 1's (2^-34,000): it answers as empty, and
        // the reference moving on (exponent past 40) leaves sketch 1 answering as a set of its own, through rescales.
        var set = new DecayedSketches(2, TimeSpan.FromDays(1));
        var alone = new DecayedSketches(1, TimeSpan.FromDays(1));
        long[] starts = [1_700_000_000L, 1_700_000_000L + 3_000_000_000L];
        for (var i = 0; i < 60 * 24; i++)
            for (var k = 0; k < 2; k++)
            {
                var t = starts[k] + i * 3600L;
                var value = 0.1 + 0.05 * (i % 7) + 0.3 * k;
                set.Add(k, t, value);
                if (k == 1) alone.Add(0, t, value);
            }
        Assert.Equal(0, set.TotalWeight(0));
        Assert.True(double.IsNaN(set.Quantile(0, 0.9)));
        // The same weights to the 16 significant bits an entry keeps, rounded at other references.
        var weight = alone.WeightAt(0, starts[1] + 61 * 86400L);
        Assert.Equal(weight, set.WeightAt(1, starts[1] + 61 * 86400L), weight / 4096);
        Assert.Equal(alone.Quantile(0, 0.9), set.Quantile(1, 0.9), alone.Quantile(0, 0.9) / 4096);
        for (var b = 0; b < DecayedSketches.Scale.BucketCount; b++) Assert.True(alone.Weight(0, b) > 0 == set.Weight(1, b) > 0);
    }
}
