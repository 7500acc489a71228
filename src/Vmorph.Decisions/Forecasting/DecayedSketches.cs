namespace Vmorph.Forecasting;

/// <summary>
/// A fixed number of histograms with exponentially decaying weights (one half-life for all) over values normalised by
/// a scale (the VM's capacity), on the domain's log-linear buckets: the building block of the quantile forecasters.
/// </summary>
/// <remarks>
/// <para>
/// Each sketch holds only the buckets it has weight in, as (bucket, weight) entries in bucket order, and the entries of
/// all sketches live in one shared array, sketch after sketch: the seasonal forecaster keeps 193 sketches per resource,
/// each of one hour's peaks, which fall in a few buckets, so an object and an array per sketch would cost more than its
/// weights. A sketch that takes a new bucket shifts the entries after its own up by one (a new bucket is rare once an
/// hour has been seen a few times), and the array grows by four slots and a sixty-fourth when full, up to the budget.
/// An entry takes 4 bytes: 9 bits of bucket (the scale's 89 buckets fit) above 23 bits of weight.
/// </para>
/// <para>
/// Within its budget of entries, each sketch's weights are those of a <see cref="Profiles.DecayingHistogram"/> on the
/// same scale fed the same values with the set's decay reference, to the 16 significant bits an entry keeps (each sum
/// rounded to them; the buckets without an entry are zero); its total is the sum of those weights, so its quantiles are
/// the histogram's to that rounding. Decay alone never empties a bucket, so without a budget the entries grow with the
/// VM's age (every bucket an hour's peaks ever fell in). Past the budget, the set merges the two neighbouring entries
/// of one sketch that move the least, the lighter weight's share of its sketch times the distance between the
/// buckets, much as a streaming histogram of Ben-Haim and Tom-Tov merges its closest centroids: an old, light outlier
/// joins its neighbour long before two buckets the sketch is fed now. A sketch keeps its total, and its weight stays
/// between its lowest and highest buckets.
/// </para>
/// </remarks>
internal sealed class DecayedSketches
{
    /// <summary>Normalised values from 1/1024 to 2 of the capacity, 12.5 % wide buckets.</summary>
    public static readonly Profiles.HistogramScale Scale = new(1.0 / 1024, 11);

    private const int WeightBits = 23;
    private const uint WeightMask = (1u << WeightBits) - 1;

    // Sketches are indexed in runs of 16: a sketch's entries start where its run's do, after the other sketches' of the
    // run before it.
    private const int RunBits = 4;

    private readonly double halfLifeSeconds;
    private readonly int maxEntries;
    // The time every sketch's weights are relative to (long.MinValue while the set is empty), per sketch the number of
    // its entries, and per run of sketches where their entries start: a byte a sketch and an int a run. A sketch's
    // total is the sum of its weights (a few dozen at most), and one reference serves the set, moved on when its
    // weights would grow past 2^40 (every 40 half-lives).
    private long reference = long.MinValue;
    private readonly byte[] counts;
    private readonly int[] runStarts;
    // Each entry in 32 bits: its bucket above a weight of 23 bits, a positive float without its 8 lowest mantissa bits
    // (16 significant bits: within 1/65,536, rounded to the nearest), so that entries in bucket order are in order.
    private uint[] entries = [];
    // The entries held (the array's slots after them are free).
    private int used;

    /// <summary>
    /// Creates <paramref name="count"/> empty sketches whose weights halve every <paramref name="halfLife"/>, holding
    /// at most <paramref name="maxEntries"/> entries together (by default as many as they are given buckets).
    /// </summary>
    public DecayedSketches(int count, TimeSpan halfLife, int maxEntries = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, count);
        halfLifeSeconds = halfLife.TotalSeconds;
        this.maxEntries = maxEntries;
        counts = new byte[count];
        runStarts = new int[(count + (1 << RunBits) - 1) >> RunBits];
    }

    /// <summary>The number of sketches.</summary>
    public int Count => counts.Length;

    /// <summary>The entry slots the shared array holds (for tests of its growth).</summary>
    public int SlotsAllocated => entries.Length;

    /// <summary>The entries all sketches hold together.</summary>
    public int EntriesHeld => used;

    /// <summary>The sum of all weights of a sketch (relative to the set's reference).</summary>
    public double TotalWeight(int sketch)
    {
        var total = 0.0;
        var start = Start(sketch);
        for (var i = start; i < start + counts[sketch]; i++) total += WeightOf(entries[i]);
        return total;
    }

    /// <summary>The buckets a sketch holds an entry for (each bucket it has been given a value in since it was last emptied).</summary>
    public int BucketsHeld(int sketch) => counts[sketch];

    /// <summary>The weight of a bucket of <see cref="Scale"/> in a sketch (zero without an entry).</summary>
    public float Weight(int sketch, int bucket)
    {
        var start = Start(sketch);
        for (var i = start; i < start + counts[sketch]; i++)
            if (BucketOf(entries[i]) == bucket) return WeightOf(entries[i]);
        return 0f;
    }

    /// <summary>Adds a normalised value observed at a time to a sketch.</summary>
    public void Add(int sketch, long unixSeconds, double value)
    {
        if (double.IsNaN(value)) return;
        if (reference == long.MinValue) reference = unixSeconds;
        var exponent = (unixSeconds - reference) / halfLifeSeconds;
        if (exponent > 40)
        {
            var shift = Math.Floor(exponent);
            Rescale(Math.Pow(2, -shift));
            reference += (long)(shift * halfLifeSeconds);
            exponent -= shift;
        }
        // The slot first: making an entry may replace the array.
        var slot = EntryOf(sketch, Scale.BucketOf(value));
        entries[slot] = Entry(BucketOf(entries[slot]), WeightOf(entries[slot]) + (float)Math.Pow(2, exponent));
        if (used > maxEntries) MergeCheapestPair();
    }

    /// <summary>Empties every sketch.</summary>
    public void Clear()
    {
        reference = long.MinValue;
        Array.Clear(counts);
        Array.Clear(runStarts);
        entries = [];
        used = 0;
    }

    // Where a sketch's entries start: its run's start and the counts of the sketches before it in its run.
    private int Start(int sketch)
    {
        var first = sketch >> RunBits << RunBits;
        var start = runStarts[sketch >> RunBits];
        for (var s = first; s < sketch; s++) start += counts[s];
        return start;
    }

    // The slot of a sketch's entry for a bucket, made (with no weight) if it has none.
    private int EntryOf(int sketch, int bucket)
    {
        var start = Start(sketch);
        var end = start + counts[sketch];
        var at = start;
        for (; at < end; at++)
        {
            if (BucketOf(entries[at]) == bucket) return at;
            if (BucketOf(entries[at]) > bucket) break;
        }
        // Past the budget by one at most, until the merge that follows.
        if (used == entries.Length) Array.Resize(ref entries, (int)Math.Min(used + 4 + used / 64, maxEntries + 1L));
        // The entries from `at` (this sketch's above the bucket, and every later sketch's) shift up by one.
        Array.Copy(entries, at, entries, at + 1, used - at);
        entries[at] = Entry(bucket, 0f);
        counts[sketch]++;
        for (var run = (sketch >> RunBits) + 1; run < runStarts.Length; run++) runStarts[run]++;
        used++;
        return at;
    }

    // Merges the two neighbouring entries of one sketch whose merge moves the least: the lighter entry's share of its
    // sketch's weight times the distance between the two buckets, in capacity shares. The lighter weight joins the
    // heavier's bucket (the higher on a tie), so a sketch keeps its total and its quantiles move only within the pair.
    private void MergeCheapestPair()
    {
        var best = -1;
        var bestSketch = -1;
        var bestCost = double.PositiveInfinity;
        var start = 0;
        for (var sketch = 0; sketch < counts.Length; sketch++)
        {
            var end = start + counts[sketch];
            if (end - start >= 2)
            {
                var total = 0.0;
                for (var i = start; i < end; i++) total += WeightOf(entries[i]);
                for (var i = start; i < end - 1; i++)
                {
                    var moved = Math.Min(WeightOf(entries[i]), WeightOf(entries[i + 1]));
                    var cost = total > 0 ? moved / total * (Middle[BucketOf(entries[i + 1])] - Middle[BucketOf(entries[i])]) : 0;
                    if (cost < bestCost)
                    {
                        bestCost = cost;
                        best = i;
                        bestSketch = sketch;
                    }
                }
            }
            start = end;
        }
        var lower = WeightOf(entries[best]);
        var upper = WeightOf(entries[best + 1]);
        var keptBucket = lower > upper ? BucketOf(entries[best]) : BucketOf(entries[best + 1]);
        entries[best] = Entry(keptBucket, lower + upper);
        Array.Copy(entries, best + 2, entries, best + 1, used - best - 2);
        used--;
        counts[bestSketch]--;
        for (var run = (bestSketch >> RunBits) + 1; run < runStarts.Length; run++) runStarts[run]--;
    }

    // Each bucket's middle, in capacity shares: what a merge's distance is measured on.
    private static readonly double[] Middle = [.. Enumerable.Range(0, Scale.BucketCount).Select(b => (Scale.LowerBound(b) + Scale.UpperBound(b)) / 2)];

    // Multiplies every weight by a factor (a weight too small for a float after it becomes zero, as it would have
    // become negligible beside its sketch's newer weights long before).
    private void Rescale(double factor)
    {
        for (var i = 0; i < used; i++) entries[i] = Entry(BucketOf(entries[i]), (float)(WeightOf(entries[i]) * factor));
    }

    private static int BucketOf(uint entry) => (int)(entry >> WeightBits);

    private static float WeightOf(uint entry) => BitConverter.Int32BitsToSingle((int)((entry & WeightMask) << 8));

    // An entry of a bucket and a weight (positive or zero), the weight rounded to the nearest of 16 significant bits.
    private static uint Entry(int bucket, float weight)
    {
        var bits = (uint)BitConverter.SingleToInt32Bits(weight);
        return ((uint)bucket << WeightBits) | Math.Min((bits + 0x80) >> 8, WeightMask);
    }

    /// <summary>A sketch's weights brought to the decay reference of <paramref name="unixSeconds"/>, so that sketches fed at different times can be mixed.</summary>
    public double WeightAt(int sketch, long unixSeconds) =>
        reference == long.MinValue ? 0 : TotalWeight(sketch) * Math.Pow(2, -(unixSeconds - reference) / halfLifeSeconds);

    /// <summary>A quantile of a sketch's normalised values, or NaN when empty (as <see cref="Profiles.DecayingHistogram.Percentile"/>).</summary>
    public double Quantile(int sketch, double q)
    {
        var total = TotalWeight(sketch);
        if (total <= 0) return double.NaN;
        var target = Math.Clamp(q, 0, 1) * total;
        var cumulative = 0.0;
        var start = Start(sketch);
        for (var i = start; i < start + counts[sketch]; i++)
        {
            var w = WeightOf(entries[i]);
            if (w <= 0) continue;
            if (cumulative + w >= target)
            {
                var bucket = BucketOf(entries[i]);
                var lower = Scale.LowerBound(bucket);
                return lower + (target - cumulative) / w * (Scale.UpperBound(bucket) - lower);
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
        // Each set's entries in bucket order, merged: a cursor per set, the buckets taken in order. A bucket no set
        // has an entry for weighs nothing, and is skipped as the whole histograms' zero buckets are.
        Span<int> cursor = stackalloc int[sets.Length];
        Span<int> end = stackalloc int[sets.Length];
        for (var s = 0; s < sets.Length; s++)
        {
            if (!(factor[s] > 0)) continue;
            cursor[s] = sets[s]!.Start(sketches[s]);
            end[s] = cursor[s] + sets[s]!.counts[sketches[s]];
        }
        while (true)
        {
            var b = int.MaxValue;
            for (var s = 0; s < sets.Length; s++)
                if (factor[s] > 0 && cursor[s] < end[s]) b = Math.Min(b, BucketOf(sets[s]!.entries[cursor[s]]));
            if (b == int.MaxValue) break;
            var w = 0.0;
            for (var s = 0; s < sets.Length; s++)
            {
                if (!(factor[s] > 0) || cursor[s] >= end[s] || BucketOf(sets[s]!.entries[cursor[s]]) != b) continue;
                w += WeightOf(sets[s]!.entries[cursor[s]++]) * factor[s];
            }
            if (w <= 0) continue;
            if (cumulative + w >= target)
            {
                var lower = Scale.LowerBound(b);
                return lower + (target - cumulative) / w * (Scale.UpperBound(b) - lower);
            }
            cumulative += w;
        }
        return Scale.UpperBound(Scale.BucketCount - 1);
    }
}
