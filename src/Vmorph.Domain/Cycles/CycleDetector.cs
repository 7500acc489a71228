using MathNet.Numerics;

namespace Vmorph.Cycles;

/// <summary>
/// Names the dominant cycle of a VM's CPU use, from 1 hour to a week, or none. Pure: no clock, no randomness.
/// </summary>
/// <remarks>
/// <para>Each ring becomes a <see cref="CycleSpectrum"/>: level shifts removed by a rolling median, spikes clipped by
/// the median absolute deviation, the periodogram divided by a fitted AR(1) noise spectrum, so that under the null of
/// autocorrelated noise each ordinate is about exponential with mean 1.</para>
/// <para>The test: for every candidate period (each whole number of cycles in the analysed span between 1 hour and a
/// week) and every number K of harmonics in 1, 2, 3, 4, 6, 8, 12, 16, the sum of the normalised ordinates at the first K
/// harmonics is Gamma(K, 1) under the null; a smooth cycle shows in its fundamental, a pulse-shaped one in the sum of
/// many harmonics. The smallest p-value, times the number of tests made (Bonferroni), must be below
/// <see cref="Significance"/>; otherwise there is no cycle.</para>
/// <para>Then the period that holds the cycle: first the shortest multiple m·P of the winning period P (up to a week)
/// whose harmonics hold much more power than P's (P's hold less than <see cref="ShareToShorten"/> of it) and that is
/// significant on its own, for a divisor can win in the finer ring; then the shortest divisor: P/m (at least an hour)
/// replaces it when it is significant on its own and its harmonics hold at least <see cref="ShareToShorten"/> of the
/// power above noise that P's harmonics hold. A 12-hour cycle also shows at 24 hours (every second harmonic), and is
/// named 12 h; a daily pulse holds only half its power at 12 h, and is named 24 h.</para>
/// </remarks>
public static class CycleDetector
{
    /// <summary>The family-wise significance level: the chance that noise alone names a cycle, over every period tried.</summary>
    public const double Significance = 0.01;

    /// <summary>The share of a cycle's excess power a shorter divisor's harmonics must hold to be named instead.</summary>
    public const double ShareToShorten = 2.0 / 3;

    /// <summary>The highest harmonic of a longer cycle that is looked at as its divisor winning in the finer ring.</summary>
    public const int MaxMultiple = 8;

    /// <summary>The level at which a named cycle must show again in each half of the series on its own.</summary>
    public const double RepeatSignificance = 0.05;

    /// <summary>The shortest cycle searched.</summary>
    public static TimeSpan Shortest { get; } = TimeSpan.FromHours(1);

    /// <summary>The longest cycle searched.</summary>
    public static TimeSpan Longest { get; } = TimeSpan.FromDays(7);

    private static readonly TimeSpan FineLongest = TimeSpan.FromHours(6);
    private static readonly int[] HarmonicCounts = [1, 2, 3, 4, 6, 8, 12, 16];

    /// <summary>The dominant cycle of the CPU use a <see cref="CycleHistory"/> holds, or null when none stands out from noise.</summary>
    public static DominantCycle? Detect(CycleHistory history)
    {
        var spectra = new List<CycleSpectrum>(2);
        // Fine: ten-minute bins, 1 to 6 hours, analysed over whole days where possible.
        if (CycleSpectrum.Of(history.Fine.Means(), CycleHistory.FineBin, Shortest, FineLongest, 144, 36) is { } fine) spectra.Add(fine);
        // Coarse: hourly bins, 6 hours to a week, analysed over whole weeks (else whole days) where possible.
        if (CycleSpectrum.Of(history.Coarse.Means(), CycleHistory.CoarseBin, FineLongest, Longest, 168, 24) is { } coarse) spectra.Add(coarse);
        return Detect(spectra);
    }

    private static DominantCycle? Detect(List<CycleSpectrum> spectra)
    {
        var tests = 0;
        (CycleSpectrum Spectrum, int Index, int Harmonics, double P)? best = null;
        foreach (var spectrum in spectra)
        {
            for (var k = spectrum.FirstCandidate; k <= spectrum.LastCandidate; k++)
            {
                var (p, harmonics, count) = HarmonicTest(spectrum, k);
                tests += count;
                if (count > 0 && (best is null || p < best.Value.P)) best = (spectrum, k, harmonics, p);
            }
        }
        if (best is not { } winner || winner.P * tests >= Significance) return null;

        var period = winner.Spectrum.PeriodOf(winner.Index);
        var named = (Spectrum: winner.Spectrum, Index: winner.Index);
        // The divisors below all compare against the same period: its aligned spectrum (a new one when the period is not
        // a whole frequency of the ring) is made once.
        var aligned = new Dictionary<(CycleSpectrum, TimeSpan), (CycleSpectrum, int)?>();
        // A divisor of the cycle may win (in the ten-minute ring, a pulse every 16 h shows as strongly at 5 h 20 min,
        // its third harmonic): the shortest multiple whose harmonics hold much more power is the cycle.
        for (var m = 2; m <= MaxMultiple && period * m <= Longest; m++)
        {
            if (Holds(spectra, winner.Spectrum, period * m, m, aligned) is { } longer && !longer.Held)
            {
                named = (longer.Spectrum, longer.Index / m);
                period = period * m;
                break;
            }
        }
        for (var m = (int)Math.Floor(period / Shortest + 1e-9); m >= 2; m--)
        {
            var shorter = period / m;
            if (shorter < Shortest) continue;
            if (Holds(spectra, named.Spectrum, period, m, aligned) is { Held: true } holder)
            {
                named = (holder.Spectrum, holder.Index);
                break;
            }
        }
        if (!Repeats(named.Spectrum, named.Index)) return null;
        return new DominantCycle(
            TimeSpan.FromMinutes(Math.Round(named.Spectrum.PeriodOf(named.Index).TotalMinutes)),
            Strength(named.Spectrum, named.Index),
            Math.Min(1, winner.P * tests));
    }

    // P/m and P compared on the first spectrum (the preferred one first) that has both as whole frequencies below its
    // Nyquist frequency, with at least three cycles of P: null when there is none, or when the one that would be named
    // (P/m when it holds the cycle, else P) is not significant on its own. Held: P/m holds at least ShareToShorten of the
    // power above noise that P's harmonics hold. Index: the place of P/m in that spectrum.
    private static (CycleSpectrum Spectrum, int Index, bool Held)? Holds(List<CycleSpectrum> spectra, CycleSpectrum preferred, TimeSpan period, int m, Dictionary<(CycleSpectrum, TimeSpan), (CycleSpectrum, int)?> aligned)
    {
        foreach (var whole in spectra.OrderBy(s => ReferenceEquals(s, preferred) ? 0 : 1))
        {
            if (!aligned.TryGetValue((whole, period), out var found)) aligned[(whole, period)] = found = Aligned(whole, period);
            if (found is not var (spectrum, k) || k < CycleSpectrum.MinCycles || m * k >= spectrum.Nyquist) continue;
            double all = 0, divisor = 0;
            for (var h = 1; h * k < spectrum.Nyquist; h++)
            {
                var excess = spectrum.Excess(h * k);
                all += excess;
                if (h % m == 0) divisor += excess;
            }
            var held = all > 0 && divisor >= ShareToShorten * all;
            var (p, _, count) = HarmonicTest(spectrum, held ? m * k : k);
            return count == 0 || p * count >= Significance ? null : (spectrum, m * k, held);
        }
        return null;
    }

    // The spectrum in which a period is a whole number of cycles, and its index there: this one, or, when the period is
    // a whole number of bins, the spectrum of the newest whole number of its cycles.
    private static (CycleSpectrum, int)? Aligned(CycleSpectrum spectrum, TimeSpan period)
    {
        if (spectrum.IndexOf(period) is { } k) return (spectrum, k);
        var bins = period / spectrum.Bin;
        if (Math.Abs(bins - Math.Round(bins)) > 1e-6 || bins < 1) return null;
        var length = spectrum.Length - spectrum.Length % (int)Math.Round(bins);
        return spectrum.Part(spectrum.Length - length, length) is { } part && part.IndexOf(period) is { } index ? (part, index) : null;
    }

    // Whether the cycle shows in the first and in the last half of its cycles apart (each at RepeatSignificance, not
    // corrected for the periods tried: the period is already chosen). A one-off burst of a few days lifts
    // the long periods' ordinates as a cycle would, but only in the half it falls in.
    private static bool Repeats(CycleSpectrum spectrum, int k)
    {
        var half = k / 2;
        if (half < 1) return true;
        var length = (int)Math.Round(half * (double)spectrum.Length / k);
        foreach (var part in new[] { spectrum.Part(0, length), spectrum.Part(spectrum.Length - length, length) })
        {
            if (part is null) return false;
            var (p, _, count) = HarmonicTest(part, half);
            if (count == 0 || p * count >= RepeatSignificance) return false;
        }
        return true;
    }

    // The most significant harmonic sum at a fundamental index: (p-value, harmonics used, number of sums tried).
    private static (double P, int Harmonics, int Count) HarmonicTest(CycleSpectrum spectrum, int k)
    {
        var (bestP, bestHarmonics, count) = (1.0, 0, 0);
        var sum = 0.0;
        var summed = 0;
        foreach (var harmonics in HarmonicCounts)
        {
            if (harmonics * k >= spectrum.Nyquist) break;
            for (var h = summed + 1; h <= harmonics; h++) sum += spectrum.Normalised(h * k);
            summed = harmonics;
            count++;
            var p = SpecialFunctions.GammaUpperRegularized(harmonics, sum);
            if (p < bestP || bestHarmonics == 0) (bestP, bestHarmonics) = (p, harmonics);
        }
        return (bestP, bestHarmonics, count);
    }

    // The share of the detrended series' variance that the cycle's harmonics hold above what noise gives there.
    private static double Strength(CycleSpectrum spectrum, int k)
    {
        var held = 0.0;
        for (var h = 1; h * k < spectrum.Nyquist; h++) held += spectrum.Excess(h * k);
        return Math.Clamp(held / spectrum.TotalPower, 0, 1);
    }
}
