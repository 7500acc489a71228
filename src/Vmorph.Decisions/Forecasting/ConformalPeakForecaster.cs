namespace Vmorph.Forecasting;

/// <summary>
/// The recent-peak rule, calibrated per VM (split conformal prediction over a rolling window): the peak of the last
/// horizon, plus the quantile of this VM's own errors of that rule (realised peak minus the rule's forecast, decaying
/// with a half-life of 3 days). Until the VM has <see cref="ResidualsNeeded"/> errors it forecasts the rule alone.
/// Cheap, needs no training, and its quantile covers what it claims on the VM's own recent behaviour.
/// </summary>
public sealed class ConformalPeakForecaster : IDemandForecaster
{
    /// <summary>Errors of its own a VM needs before they calibrate the forecast.</summary>
    public const int ResidualsNeeded = 48;

    private readonly double scale;
    private readonly int horizonSteps;
    private readonly LinearDecayedHistogram residuals = new(-1.5, 1.5, 300, TimeSpan.FromDays(3));
    private readonly Queue<(long Origin, double Rule)> pending = new();

    /// <summary>Creates it for a resource whose capacity is <paramref name="scale"/>, over a horizon of <paramref name="horizonSteps"/> steps.</summary>
    public ConformalPeakForecaster(double scale, int horizonSteps)
    {
        this.scale = scale > 0 ? scale : 1;
        this.horizonSteps = Math.Max(1, horizonSteps);
    }

    /// <inheritdoc />
    public string Name => "conformal";

    /// <inheritdoc />
    public double Forecast(long nowUnixSeconds, UsageHistory history, double quantile)
    {
        ArgumentNullException.ThrowIfNull(history);
        var rule = history.Window(horizonSteps).Max;
        if (double.IsNaN(rule)) return double.NaN;
        pending.Enqueue((nowUnixSeconds, rule / scale));
        if (residuals.Count < ResidualsNeeded) return rule;
        return Math.Max(0, rule / scale + residuals.Quantile(quantile)) * scale;
    }

    /// <inheritdoc />
    public void Learn(long originUnixSeconds, double peak)
    {
        while (pending.Count > 0 && pending.Peek().Origin < originUnixSeconds) pending.Dequeue();
        if (pending.Count == 0 || pending.Peek().Origin != originUnixSeconds) return;
        var (_, rule) = pending.Dequeue();
        if (!double.IsNaN(peak)) residuals.Add(originUnixSeconds, peak / scale - rule);
    }
}
