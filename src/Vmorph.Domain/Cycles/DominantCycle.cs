using System.Globalization;

namespace Vmorph.Cycles;

/// <summary>
/// The cycle a VM's CPU use repeats most: its period, its strength (the share of the detrended variance that the
/// cycle's harmonics hold, 0 to 1) and the family-wise p-value of the test that named it (against autocorrelated noise,
/// over every period tried).
/// </summary>
/// <param name="Period">How long one cycle lasts.</param>
/// <param name="Strength">The share of the variance the cycle explains, 0 to 1.</param>
/// <param name="PValue">The chance that noise alone gives a cycle this strong anywhere in the range tried.</param>
public sealed record DominantCycle(TimeSpan Period, double Strength, double PValue)
{
    /// <summary>The period as an ISO 8601 duration in hours and minutes (<c>PT24H</c>, <c>PT1H30M</c>, <c>PT168H</c>).</summary>
    public string IsoPeriod => FormatIso(Period);

    /// <summary>Writes a duration as ISO 8601 hours and minutes, rounded to the minute (<c>PT24H</c>, <c>PT134H24M</c>).</summary>
    public static string FormatIso(TimeSpan period)
    {
        var minutes = (long)Math.Round(period.TotalMinutes);
        var (hours, rest) = Math.DivRem(minutes, 60);
        return rest == 0
            ? string.Create(CultureInfo.InvariantCulture, $"PT{hours}H")
            : hours == 0 ? string.Create(CultureInfo.InvariantCulture, $"PT{rest}M") : string.Create(CultureInfo.InvariantCulture, $"PT{hours}H{rest}M");
    }
}
