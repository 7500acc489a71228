namespace Vmorph.Forecasting;

/// <summary>
/// Chooses a forecaster per VM by rolling back-tests, as Autopilot chooses among its recommenders: every step each
/// forecaster forecasts the quantile of the horizon peak; once the horizon has passed, each forecast is scored with
/// the pinball (quantile) loss against the realised peak, losses decaying with a half-life; the forecaster with the
/// least loss is used, switching only when another is at least 10 % better. Forecasters that cannot tell yet (NaN)
/// are skipped. To keep a replay of a fleet fast, the forecasters not in use forecast (and are scored) only every
/// <c>scoreEvery</c>-th step; the one in use forecasts at every step.
/// </summary>
public sealed class BacktestChooser
{
    private const double SwitchMargin = 0.9;
    private readonly IDemandForecaster[] forecasters;
    private readonly double quantile;
    private readonly int horizonSteps;
    private readonly double decayPerStep;
    private readonly double[] loss;
    private readonly double[] weight;
    // The forecasts whose horizon has not passed yet, oldest first: a ring of at most horizonSteps origins, and their
    // forecasts side by side (one a forecaster), in two arrays rather than an array an origin.
    private readonly long[] pendingOrigins;
    private readonly double[] pendingForecasts;
    private int pendingFirst;
    private int pendingCount;
    private readonly double[] latest;
    private readonly int scoreEvery;
    private long steps;

    /// <summary>Creates a chooser among forecasters, all scored at one quantile over a horizon of <paramref name="horizonSteps"/> steps.</summary>
    public BacktestChooser(IReadOnlyList<IDemandForecaster> forecasters, double quantile, int horizonSteps, TimeSpan stepLength, TimeSpan lossHalfLife, int scoreEvery = 3)
    {
        this.scoreEvery = Math.Max(1, scoreEvery);
        if (forecasters.Count == 0) throw new ArgumentException("at least one forecaster", nameof(forecasters));
        this.forecasters = [.. forecasters];
        this.quantile = quantile;
        this.horizonSteps = Math.Max(1, horizonSteps);
        decayPerStep = Math.Pow(0.5, stepLength.TotalSeconds / lossHalfLife.TotalSeconds);
        loss = new double[forecasters.Count];
        weight = new double[forecasters.Count];
        latest = new double[forecasters.Count];
        Array.Fill(latest, double.NaN);
        pendingOrigins = new long[this.horizonSteps];
        pendingForecasts = new double[this.horizonSteps * forecasters.Count];
    }

    /// <summary>The forecaster in use, or −1 before any can forecast.</summary>
    public int Chosen { get; private set; } = -1;

    /// <summary>The name of the forecaster in use, or null.</summary>
    public string? ChosenName => Chosen >= 0 ? forecasters[Chosen].Name : null;

    /// <summary>The forecasters, in order.</summary>
    public IReadOnlyList<IDemandForecaster> Forecasters => forecasters;

    /// <summary>The decayed mean loss of each forecaster (NaN before it was scored).</summary>
    public IReadOnlyList<double> Losses => [.. loss.Select((l, i) => weight[i] > 0 ? l / weight[i] : double.NaN)];

    /// <summary>The chosen forecaster's latest forecast (NaN if none).</summary>
    public double Forecast => Chosen >= 0 ? latest[Chosen] : double.NaN;

    /// <summary>
    /// One step: learns the horizon that has just completed (its peak from <paramref name="history"/>), then forecasts
    /// from <paramref name="nowUnixSeconds"/>. Returns the chosen forecaster's quantile (NaN if none can tell).
    /// </summary>
    public double Step(long nowUnixSeconds, UsageHistory history)
    {
        // The horizon that started horizonSteps steps ago ended with the latest step: learn and score it.
        var n = forecasters.Length;
        if (pendingCount >= horizonSteps)
        {
            var origin = pendingOrigins[pendingFirst];
            var forecasts = pendingForecasts.AsSpan(pendingFirst * n, n);
            var peak = history.Window(horizonSteps).Max;
            for (var f = 0; f < n; f++)
            {
                forecasters[f].Learn(origin, peak);
                if (double.IsNaN(peak) || double.IsNaN(forecasts[f])) continue;
                var error = peak - forecasts[f];
                var pinball = error >= 0 ? quantile * error : (quantile - 1) * error;
                loss[f] = loss[f] * decayPerStep + pinball;
                weight[f] = weight[f] * decayPerStep + 1;
            }
            pendingFirst = (pendingFirst + 1) % horizonSteps;
            pendingCount--;
        }
        var slot = (pendingFirst + pendingCount) % horizonSteps;
        var current = pendingForecasts.AsSpan(slot * n, n);
        var everyone = steps++ % scoreEvery == 0 || Chosen < 0;
        for (var f = 0; f < n; f++)
            current[f] = everyone || f == Chosen ? forecasters[f].Forecast(nowUnixSeconds, history, quantile) : double.NaN;
        pendingOrigins[slot] = nowUnixSeconds;
        pendingCount++;
        for (var f = 0; f < n; f++)
            if (!double.IsNaN(current[f]) || everyone) latest[f] = current[f];
        Choose();
        return Forecast;
    }

    private void Choose()
    {
        var best = -1;
        var bestLoss = double.PositiveInfinity;
        for (var f = 0; f < forecasters.Length; f++)
        {
            if (double.IsNaN(latest[f])) continue;
            var l = weight[f] > 0 ? loss[f] / weight[f] : double.PositiveInfinity;
            if (best < 0 || l < bestLoss)
            {
                best = f;
                bestLoss = l;
            }
        }
        if (best < 0)
        {
            Chosen = -1;
            return;
        }
        if (Chosen < 0 || double.IsNaN(latest[Chosen])) Chosen = best;
        else
        {
            var current = weight[Chosen] > 0 ? loss[Chosen] / weight[Chosen] : double.PositiveInfinity;
            if (bestLoss < current * SwitchMargin) Chosen = best;
        }
    }
}
