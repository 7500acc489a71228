namespace Vmorph.Forecasting;

/// <summary>
/// The simplest forecaster: the distribution of recently realised horizon peaks (a decaying histogram, half-life one
/// day), with no seasonality. What a recommender that only looks back would predict.
/// </summary>
public sealed class RecentPeakForecaster : IDemandForecaster
{
    private readonly double scale;
    private readonly DecayedSketches sketch;

    /// <summary>Creates it for a resource whose capacity is <paramref name="scale"/>.</summary>
    public RecentPeakForecaster(double scale, TimeSpan? halfLife = null)
    {
        this.scale = scale > 0 ? scale : 1;
        sketch = new DecayedSketches(1, halfLife ?? TimeSpan.FromDays(1));
    }

    /// <inheritdoc />
    public string Name => "recent-peak";

    /// <inheritdoc />
    public double Forecast(long nowUnixSeconds, UsageHistory history, double quantile) =>
        sketch.TotalWeight(0) > 0 ? sketch.Quantile(0, quantile) * scale : double.NaN;

    /// <inheritdoc />
    public void Learn(long originUnixSeconds, double peak) => sketch.Add(0, originUnixSeconds, peak / scale);
}
