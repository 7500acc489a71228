namespace Vmorph.Forecasting;

/// <summary>
/// Forecasts the peak demand of one resource of one VM over a fixed horizon that starts now, as a quantile (not only a
/// mean): the allocation must hold the peak, and the quantile says how surely. Sees the past only: it learns each
/// realised peak once the horizon has passed (<see cref="Learn"/>). One instance serves one VM and one resource.
/// </summary>
public interface IDemandForecaster
{
    /// <summary>The name used in reports and in the policy's <c>model</c> field.</summary>
    string Name { get; }

    /// <summary>
    /// The <paramref name="quantile"/> of the peak over the horizon starting at <paramref name="nowUnixSeconds"/>, in the
    /// resource's unit; NaN when it cannot tell yet. Called once per step, in time order.
    /// </summary>
    double Forecast(long nowUnixSeconds, UsageHistory history, double quantile);

    /// <summary>Learns the realised peak of the horizon that started at <paramref name="originUnixSeconds"/>.</summary>
    void Learn(long originUnixSeconds, double peak);
}
