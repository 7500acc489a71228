namespace Vmorph.Forecasting;

/// <summary>
/// A fixed number of histograms with exponentially decaying weights (one half-life for all) over values normalised by
/// a scale (the VM's capacity), on the domain's log-linear buckets: the building block of the quantile forecasters.
/// </summary>
/// <remarks>
/// Each sketch holds the weights of the run of buckets from its lowest to its highest bucket with weight, not all 89,
/// and all the runs live in one array: the seasonal forecaster keeps 193 sketches per resource, each of one hour's
/// peaks, which fall in a few buckets, so an object and an array per sketch would cost more than its weights. A run
/// that widens moves to the end of the array; the array is compacted when it must grow. Each sketch's weights, total
/// and quantiles are those of a <see cref="Profiles.DecayingHistogram"/> on the same scale fed the same values (bucket
/// by bucket the same float sums; the buckets outside the run are zero).
/// </remarks>
internal sealed class DecayedSketches
{
    /// <summary>Normalised values from 1/1024 to 2 of the capacity, 12.5 % wide buckets.</summary>
    public static readonly Profiles.HistogramScale Scale = new(1.0 / 1024, 11);

    private readonly double halfLifeSeconds;
    // Per sketch: the time its weights are relative to (long.MinValue while empty), the sum of its weights, and where
    // its run is: from runStart in runs, runLength buckets, the first being bucket runFirst of Scale.
    private readonly long[] references;
    private readonly double[] totals;
    private readonly int[] runStart;
    private readonly byte[] runFirst;
    private readonly byte[] runLength;
    private float[] runs = [];
    // The end of the runs written, and how many slots before it no run holds any longer (moved away).
    private int used;
    private int abandoned;

    /// <summary>Creates <paramref name="count"/> empty sketches whose weights halve every <paramref name="halfLife"/>.</summary>
    public DecayedSketches(int count, TimeSpan halfLife)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        halfLifeSeconds = halfLife.TotalSeconds;
        references = new long[count];
        Array.Fill(references, long.MinValue);
        totals = new double[count];
        runStart = new int[count];
        runFirst = new byte[count];
        runLength = new byte[count];
    }

    /// <summary>The number of sketches.</summary>
    public int Count => totals.Length;

    /// <summary>The slots of the array all runs share (for tests of its compaction).</summary>
    public int SlotsAllocated => runs.Length;

    /// <summary>The sum of all weights of a sketch.</summary>
    public double TotalWeight(int sketch) => totals[sketch];

    /// <summary>The buckets a sketch holds (from its lowest to its highest with weight).</summary>
    public int BucketsHeld(int sketch) => runLength[sketch];

    /// <summary>The weight of a bucket of <see cref="Scale"/> in a sketch (zero outside the run held).</summary>
    public float Weight(int sketch, int bucket)
    {
        var offset = bucket - runFirst[sketch];
        return offset >= 0 && offset < runLength[sketch] ? runs[runStart[sketch] + offset] : 0f;
    }

    /// <summary>Adds a normalised value observed at a time to a sketch.</summary>
    public void Add(int sketch, long unixSeconds, double value)
    {
        if (double.IsNaN(value)) return;
        if (references[sketch] == long.MinValue) references[sketch] = unixSeconds;
        var exponent = (unixSeconds - references[sketch]) / halfLifeSeconds;
        if (exponent > 40)
        {
            var shift = Math.Floor(exponent);
            Rescale(sketch, Math.Pow(2, -shift));
            references[sketch] += (long)(shift * halfLifeSeconds);
            exponent -= shift;
        }
        var weight = Math.Pow(2, exponent);
        var bucket = Scale.BucketOf(value);
        Cover(sketch, bucket);
        runs[runStart[sketch] + bucket - runFirst[sketch]] += (float)weight;
        totals[sketch] += weight;
    }

    /// <summary>Empties every sketch.</summary>
    public void Clear()
    {
        Array.Fill(references, long.MinValue);
        Array.Clear(totals);
        Array.Clear(runStart);
        Array.Clear(runFirst);
        Array.Clear(runLength);
        runs = [];
        used = 0;
        abandoned = 0;
    }

    // Widens a sketch's run to take in a bucket.
    private void Cover(int sketch, int bucket)
    {
        var length = runLength[sketch];
        if (length == 0)
        {
            Reserve(1);
            runStart[sketch] = used++;
            runFirst[sketch] = (byte)bucket;
            runLength[sketch] = 1;
            return;
        }
        var first = runFirst[sketch];
        if (bucket >= first && bucket - first < length) return;
        var low = Math.Min(first, bucket);
        var wider = Math.Max(first + length - 1, bucket) - low + 1;
        if (runStart[sketch] + length != used)
        {
            // Not the last run: move it to the end, where it can widen.
            Reserve(wider);
            Array.Copy(runs, runStart[sketch], runs, used, length);
            Array.Clear(runs, runStart[sketch], length);
            abandoned += length;
            runStart[sketch] = used;
            used += length;
        }
        else
        {
            Reserve(wider - length);
        }
        // The last run widens in place: its weights shift up by the buckets added below it (the slots after are zero).
        var start = runStart[sketch];
        if (low < first)
        {
            Array.Copy(runs, start, runs, start + first - low, length);
            Array.Clear(runs, start, first - low);
        }
        used = start + wider;
        runFirst[sketch] = (byte)low;
        runLength[sketch] = (byte)wider;
    }

    // Makes room for `more` slots after the end of the runs, compacting them (and growing the array if still short).
    private void Reserve(int more)
    {
        if (used + more <= runs.Length) return;
        var live = used - abandoned;
        var compacted = new float[Math.Max(live + more, Math.Max(8, (live + more) * 3 / 2))];
        var next = 0;
        foreach (var sketch in Enumerable.Range(0, Count).OrderBy(s => runStart[s]))
        {
            if (runLength[sketch] == 0) continue;
            Array.Copy(runs, runStart[sketch], compacted, next, runLength[sketch]);
            runStart[sketch] = next;
            next += runLength[sketch];
        }
        runs = compacted;
        used = next;
        abandoned = 0;
    }

    // Multiplies every weight of a sketch by a factor, as DecayingHistogram.Rescale does.
    private void Rescale(int sketch, double factor)
    {
        var total = 0.0;
        var start = runStart[sketch];
        for (var i = start; i < start + runLength[sketch]; i++)
        {
            runs[i] = (float)(runs[i] * factor);
            total += runs[i];
        }
        totals[sketch] = total;
    }

    /// <summary>A sketch's weights brought to the decay reference of <paramref name="unixSeconds"/>, so that sketches fed at different times can be mixed.</summary>
    public double WeightAt(int sketch, long unixSeconds) =>
        references[sketch] == long.MinValue ? 0 : totals[sketch] * Math.Pow(2, -(unixSeconds - references[sketch]) / halfLifeSeconds);

    /// <summary>A quantile of a sketch's normalised values, or NaN when empty (as <see cref="Profiles.DecayingHistogram.Percentile"/>).</summary>
    public double Quantile(int sketch, double q)
    {
        var total = totals[sketch];
        if (total <= 0) return double.NaN;
        var target = Math.Clamp(q, 0, 1) * total;
        var cumulative = 0.0;
        var start = runStart[sketch];
        var first = runFirst[sketch];
        for (var i = 0; i < runLength[sketch]; i++)
        {
            var w = runs[start + i];
            if (w <= 0) continue;
            if (cumulative + w >= target)
            {
                var lower = Scale.LowerBound(first + i);
                return lower + (target - cumulative) / w * (Scale.UpperBound(first + i) - lower);
            }
            cumulative += w;
        }
        return Scale.UpperBound(Scale.BucketCount - 1);
    }

    /// <summary>
    /// A quantile of a mixture of sketches, each counted with a share of the mixture (its own weights normalised to
    /// one first); sketches without weight (or without a set: null) are left out and the shares renormalised. NaN if
    /// all are empty.
    /// </summary>
    public static double MixtureQuantile(ReadOnlySpan<DecayedSketches?> sets, ReadOnlySpan<int> sketches, ReadOnlySpan<double> shares, double q)
    {
        Span<double> factor = stackalloc double[sets.Length];
        var totalShare = 0.0;
        for (var s = 0; s < sets.Length; s++)
        {
            var total = sets[s]?.TotalWeight(sketches[s]) ?? 0;
            if (!(total > 0)) continue;
            factor[s] = shares[s] / total;
            totalShare += shares[s];
        }
        if (totalShare <= 0) return double.NaN;
        var target = Math.Clamp(q, 0, 1) * totalShare;
        var cumulative = 0.0;
        var buckets = Scale.BucketCount;
        for (var b = 0; b < buckets; b++)
        {
            var w = 0.0;
            for (var s = 0; s < sets.Length; s++)
                if (factor[s] > 0) w += sets[s]!.Weight(sketches[s], b) * factor[s];
            if (w <= 0) continue;
            if (cumulative + w >= target)
            {
                var lower = Scale.LowerBound(b);
                return lower + (target - cumulative) / w * (Scale.UpperBound(b) - lower);
            }
            cumulative += w;
        }
        return Scale.UpperBound(buckets - 1);
    }
}
