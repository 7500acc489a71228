using System.Numerics;
using MathNet.Numerics.IntegralTransforms;
using MathNet.Numerics.Statistics;

namespace Vmorph.Cycles;

/// <summary>
/// One ring's series made ready for the cycle test: level shifts found and taken out (where the median of the longest
/// period after a bin differs from the median of the one before it by more than five robust deviations of that
/// difference), then what is left of slow change removed by a rolling median two longest periods wide (the median of
/// whole cycles is flat, so every cycle up to that period survives it; at one period wide the filter's first sidelobe
/// lifts noise by up to half inside the searched band, and a rolling median alone ramps towards a level shift over half
/// a window, leaving a slow bump whose harmonics fall on long periods: each gave about one noise series in ten a cycle), spikes clipped at four robust standard deviations (median absolute deviation), gaps filled with the
/// median, and the periodogram divided by the spectrum of an AR(1) noise fitted to it by least absolute deviations of
/// the log periodogram (robust to the few ordinates a cycle lifts). Under the null of AR(1) noise every normalised
/// ordinate is about exponential with mean 1.
/// </summary>
internal sealed class CycleSpectrum
{
    private const double MaxGapShare = 0.25;
    private const double ClipDeviations = 4;
    internal const int MinCycles = 3;

    private readonly double[] power;
    private readonly double[] noise;

    private readonly double[] prepared;

    private CycleSpectrum(TimeSpan bin, double[] prepared, double[] power, double[] noise, TimeSpan shortest, TimeSpan longest)
    {
        Bin = bin;
        this.prepared = prepared;
        Length = prepared.Length;
        this.power = power;
        this.noise = noise;
        Shortest = shortest;
        Longest = longest;
        TotalPower = 0;
        for (var k = 1; k < Nyquist; k++) TotalPower += power[k];
    }

    /// <summary>The bin width.</summary>
    public TimeSpan Bin { get; }

    /// <summary>Bins analysed.</summary>
    public int Length { get; }

    /// <summary>The shortest period this spectrum searches.</summary>
    public TimeSpan Shortest { get; }

    /// <summary>The longest period this spectrum searches.</summary>
    public TimeSpan Longest { get; }

    /// <summary>The first index that is not searched (the Nyquist frequency, whose ordinate is not exponential).</summary>
    public int Nyquist => (Length + 1) / 2;

    /// <summary>The total power below the Nyquist frequency.</summary>
    public double TotalPower { get; }

    /// <summary>The periodogram ordinate at index <paramref name="k"/> over the fitted noise spectrum there.</summary>
    public double Normalised(int k) => power[k] / noise[k];

    /// <summary>The power at index <paramref name="k"/> above what the fitted noise gives there.</summary>
    public double Excess(int k) => power[k] - noise[k];

    /// <summary>The period of frequency index <paramref name="k"/>.</summary>
    public TimeSpan PeriodOf(int k) => Bin * Length / k;

    /// <summary>The frequency index of a period, or null when the period is not a whole number of cycles of this spectrum.</summary>
    public int? IndexOf(TimeSpan period)
    {
        var k = Length * Bin.TotalSeconds / period.TotalSeconds;
        var rounded = Math.Round(k);
        return rounded >= 1 && Math.Abs(k - rounded) < 1e-3 ? (int)rounded : null;
    }

    /// <summary>The smallest frequency index searched (at least three cycles, at most the longest period).</summary>
    public int FirstCandidate => Math.Max(MinCycles, (int)Math.Ceiling(Length * Bin.TotalSeconds / Longest.TotalSeconds - 1e-9));

    /// <summary>The largest frequency index searched (at least the shortest period, below the Nyquist frequency).</summary>
    public int LastCandidate => Math.Min(Nyquist - 1, (int)Math.Floor(Length * Bin.TotalSeconds / Shortest.TotalSeconds + 1e-9));

    /// <summary>
    /// Prepares a series of bin means (oldest first, NaN for empty bins); null when it is too short or too gappy to
    /// hold three cycles of <paramref name="shortest"/> after the detrending window, or flat.
    /// </summary>
    /// <param name="means">The bin means.</param>
    /// <param name="bin">The bin width.</param>
    /// <param name="shortest">The shortest period to search.</param>
    /// <param name="longest">The longest period to search (less in a series shorter than five of it); the detrending
    /// window is twice as long.</param>
    /// <param name="alignments">Lengths in bins to cut the analysed series to a multiple of, the first that fits
    /// three times (so that common periods fall on whole frequencies).</param>
    public static CycleSpectrum? Of(double[] means, TimeSpan bin, TimeSpan shortest, TimeSpan longest, params int[] alignments)
    {
        var first = Array.FindIndex(means, v => !double.IsNaN(v));
        if (first < 0) return null;
        var last = Array.FindLastIndex(means, v => !double.IsNaN(v));
        var series = means.AsSpan(first, last - first + 1);
        // A young history searches shorter periods: the detrending takes two longest periods and three must remain; cut
        // to whole days (or whatever the smallest alignment is), so that the windows still span whole daily cycles.
        var period = (int)Math.Round(longest / bin);
        if (period > series.Length / (2 + MinCycles))
        {
            period = series.Length / (2 + MinCycles);
            var unit = alignments.Length > 0 ? alignments[^1] : 1;
            if (period > unit) period -= period % unit;
        }
        if (period < shortest / bin) return null;
        longest = bin * period;
        var residuals = DetrendedResiduals(WithoutLevelShifts(series, period), 2 * period);
        if (residuals.Length == 0) return null;
        var align = alignments.FirstOrDefault(a => residuals.Length >= MinCycles * a, 1);
        var length = residuals.Length - residuals.Length % align;
        var shortestBins = shortest / bin;
        if (length < MinCycles * shortestBins || length < 8) return null;
        var kept = residuals[^length..];
        if (kept.Count(double.IsNaN) > MaxGapShare * length) return null;

        var present = kept.Where(v => !double.IsNaN(v)).ToArray();
        var center = present.Median();
        var spread = 1.4826 * present.Select(v => Math.Abs(v - center)).Median();
        if (!(spread > 0)) spread = 1.2533 * present.Select(v => Math.Abs(v - center)).Average();
        if (!(spread > 1e-12)) return null;
        var lower = center - ClipDeviations * spread;
        var upper = center + ClipDeviations * spread;
        var prepared = new double[length];
        for (var i = 0; i < length; i++) prepared[i] = double.IsNaN(kept[i]) ? center : Math.Clamp(kept[i], lower, upper);
        return Of(prepared, bin, shortest, longest);
    }

    /// <summary>
    /// The spectrum of <paramref name="length"/> bins of this one's prepared series from <paramref name="start"/>, with
    /// its own noise fit (null when too short): the test that a cycle repeats looks at the start and the end apart.
    /// </summary>
    public CycleSpectrum? Part(int start, int length) =>
        start < 0 || length < 8 || start + length > Length ? null : Of(prepared.AsSpan(start, length).ToArray(), Bin, Shortest, Longest);

    private static CycleSpectrum? Of(double[] prepared, TimeSpan bin, TimeSpan shortest, TimeSpan longest)
    {
        var length = prepared.Length;
        var mean = prepared.Average();
        var samples = prepared.Select(v => new Complex(v - mean, 0)).ToArray();
        Fourier.Forward(samples, FourierOptions.NoScaling);
        var nyquist = (length + 1) / 2;
        var power = new double[nyquist];
        for (var k = 1; k < nyquist; k++) power[k] = (samples[k].Real * samples[k].Real + samples[k].Imaginary * samples[k].Imaginary) / length;
        if (nyquist < 4 || power.Skip(1).Sum() <= 1e-18) return null;
        return new CycleSpectrum(bin, prepared, power, FitNoise(power, length), shortest, longest);
    }

    private const double ShiftDeviations = 5;
    private const int MaxShifts = 8;

    // The series with its level shifts taken out: D(b) = mean(x[b, b + L)) − mean(x[b − L, b)) over windows of one
    // longest period L (whole cycles, so a cycle does not move D; means, not medians, because a median flips to the new
    // level anywhere within half a window of a shift and so does not say where it is; within L of either end a window is
    // cut short, down to L/2); while the largest |D| is beyond five robust deviations of D, it is a shift: everything
    // after it is moved back by D, and D is computed again.
    private static double[] WithoutLevelShifts(ReadOnlySpan<double> series, int length)
    {
        var corrected = series.ToArray();
        var shortest = Math.Max(1, length / 2);
        if (corrected.Length < 2 * shortest + 1) return corrected;
        var prefixSum = new double[corrected.Length + 1];
        var prefixCount = new int[corrected.Length + 1];
        var difference = new double[corrected.Length];
        for (var shift = 0; shift < MaxShifts; shift++)
        {
            for (var i = 0; i < corrected.Length; i++)
            {
                var present = !double.IsNaN(corrected[i]);
                prefixSum[i + 1] = prefixSum[i] + (present ? corrected[i] : 0);
                prefixCount[i + 1] = prefixCount[i] + (present ? 1 : 0);
            }
            double Mean(int from, int to) => prefixCount[to] - prefixCount[from] is var n && n * 2 >= to - from && n > 0 ? (prefixSum[to] - prefixSum[from]) / n : double.NaN;
            for (var b = 0; b < corrected.Length; b++)
            {
                var before = Math.Max(0, b - length);
                var after = Math.Min(corrected.Length, b + length);
                difference[b] = b - before < shortest || after - b < shortest ? double.NaN : Mean(b, after) - Mean(before, b);
            }
            var finite = difference.Where(double.IsFinite).ToArray();
            if (finite.Length == 0) break;
            var center = finite.Median();
            var deviation = 1.4826 * finite.Select(d => Math.Abs(d - center)).Median();
            var at = -1;
            for (var b = 0; b < difference.Length; b++)
                if (double.IsFinite(difference[b]) && (at < 0 || Math.Abs(difference[b] - center) > Math.Abs(difference[at] - center))) at = b;
            if (at < 0 || !(deviation > 0) || Math.Abs(difference[at] - center) <= ShiftDeviations * deviation) break;
            var by = difference[at] - center;
            for (var i = at; i < corrected.Length; i++) corrected[i] -= by;
        }
        return corrected;
    }

    // x minus its rolling median over `window` bins (skipping gaps), placed at each window's middle; NaN where the
    // window holds less than half its bins or the bin itself is a gap.
    private static double[] DetrendedResiduals(ReadOnlySpan<double> series, int window)
    {
        if (series.Length < window) return [];
        var residuals = new double[series.Length - window + 1];
        var sorted = new List<double>(window);
        for (var i = 0; i < window - 1; i++) Insert(sorted, series[i]);
        for (var i = 0; i < residuals.Length; i++)
        {
            Insert(sorted, series[i + window - 1]);
            if (i > 0 && !double.IsNaN(series[i - 1])) sorted.RemoveAt(sorted.BinarySearch(series[i - 1]) is var at && at >= 0 ? at : ~at);
            var middle = series[i + window / 2];
            if (sorted.Count * 2 < window || double.IsNaN(middle))
            {
                residuals[i] = double.NaN;
                continue;
            }
            var n = sorted.Count;
            var median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            residuals[i] = middle - median;
        }
        return residuals;
    }

    private static void Insert(List<double> sorted, double value)
    {
        if (double.IsNaN(value)) return;
        var at = sorted.BinarySearch(value);
        sorted.Insert(at >= 0 ? at : ~at, value);
    }

    // The AR(1) spectrum s / (1 + φ² − 2φ cos 2πk/N), φ on a grid, fitted to the log periodogram by least absolute
    // deviations: a handful of ordinates lifted by a cycle barely move the fit, where a least-squares or lag-one
    // estimate of φ would take a strong smooth cycle for red noise and hide it.
    private static double[] FitNoise(double[] power, int length)
    {
        var nyquist = power.Length;
        var floor = power.Skip(1).Average() * 1e-12;
        var logPower = new double[nyquist];
        for (var k = 1; k < nyquist; k++) logPower[k] = Math.Log(Math.Max(power[k], floor));
        var shapes = NoiseShapes.For(length, nyquist);
        var deviations = new double[nyquist - 1];
        var bestLoss = double.PositiveInfinity;
        var bestStep = 0;
        var bestCenter = 0.0;
        for (var step = 0; step < NoiseShapes.Steps; step++)
        {
            var logShape = shapes.LogShape(step);
            for (var k = 1; k < nyquist; k++) deviations[k - 1] = logPower[k] + logShape[k];
            var center = Median(deviations, shapes.Scratch);
            var loss = 0.0;
            foreach (var d in deviations) loss += Math.Abs(d - center);
            if (loss < bestLoss)
            {
                bestLoss = loss;
                bestStep = step;
                bestCenter = center;
            }
        }
        // The median of an exponential ordinate is ln 2 times its mean.
        var scale = Math.Exp(bestCenter) / Math.Log(2);
        var noise = new double[nyquist];
        var bestPhi = NoiseShapes.Phi(bestStep);
        for (var k = 1; k < nyquist; k++) noise[k] = scale / Shape(bestPhi, shapes.Cosine(k));
        return noise;
    }

    // The median, as MathNet's Median() computes it (the same order statistics, so the same value), in a scratch copy
    // instead of a new array each time: the noise fit takes fifty medians per spectrum.
    private static double Median(double[] values, double[] scratch)
    {
        values.CopyTo(scratch, 0);
        return ArrayStatistics.MedianInplace(scratch);
    }

    // The cosines and log AR(1) shapes of the noise fit's φ grid for one series length: they depend on the length only,
    // so they are computed once per length and thread, not once per spectrum (fifty logarithms per ordinate were a
    // sixth of the detector's time). A few lengths recur (the rings' and their halves'); the table per thread is bounded.
    private sealed class NoiseShapes
    {
        public const int Steps = 50;
        private const int MaxLengths = 16;

        [ThreadStatic]
        private static Dictionary<int, NoiseShapes>? perThread;

        private readonly double[] cosines;
        private readonly double[] logShapes;
        private readonly int nyquist;

        private NoiseShapes(int length, int nyquist)
        {
            this.nyquist = nyquist;
            cosines = new double[nyquist];
            for (var k = 1; k < nyquist; k++) cosines[k] = Math.Cos(2 * Math.PI * k / length);
            logShapes = new double[Steps * nyquist];
            for (var step = 0; step < Steps; step++)
            {
                var phi = Phi(step);
                for (var k = 1; k < nyquist; k++) logShapes[step * nyquist + k] = Math.Log(Shape(phi, cosines[k]));
            }
            Scratch = new double[nyquist - 1];
        }

        public double[] Scratch { get; }

        public static double Phi(int step) => step * 0.02;

        public static NoiseShapes For(int length, int nyquist)
        {
            var cache = perThread ??= [];
            if (cache.TryGetValue(length, out var shapes)) return shapes;
            shapes = new NoiseShapes(length, nyquist);
            if (cache.Count >= MaxLengths) cache.Clear();
            cache[length] = shapes;
            return shapes;
        }

        public double Cosine(int k) => cosines[k];

        public ReadOnlySpan<double> LogShape(int step) => logShapes.AsSpan(step * nyquist, nyquist);
    }

    // The AR(1) spectrum's shape at a frequency whose cosine (cos 2πk/N) is given.
    private static double Shape(double phi, double cosine) => 1 + phi * phi - 2 * phi * cosine;
}
