namespace Vmorph.Forecasting;

/// <summary>
/// Quantiles of the horizon peak from the machine-learned model (<see cref="FastTreeDemandModel"/>): the model's point
/// prediction plus a quantile of this VM's own recent residuals (decaying, half-life 3 days), or of the training
/// residuals until the VM has 200 of its own. With a shared model trained beforehand (<c>--train</c>) it only
/// predicts. With the fleet's (<see cref="FleetDemandModel"/>, the live loop) it offers the history it is given a week
/// after its first forecast, and predicts once the fleet's model is trained. With neither it trains its own (20 trees)
/// once, a week after its first forecast, on the history it is given: every step of that week (the policy engine's CPU
/// history holds a week and more until then: <see cref="StepsRead"/>, then two days).
/// </summary>
/// <remarks>
/// It keeps no steps of its own: a copy of the steps it is asked to forecast at would hold only every third while
/// another forecaster is chosen (<see cref="BacktestChooser"/>), and teach its model lags three times too short. One
/// training costs about 0.1 s of CPU: a fleet of VMs that each train their own, started together, trains in one cycle
/// (docs/BENCHMARKS.md, "Session 20"); the live loop's fleet trains one model.
/// </remarks>
public sealed class FastTreeForecaster : IDemandForecaster
{
    private const int OwnResidualsNeeded = 200;
    private const long TrainAfterSeconds = 7 * 86400L;

    private readonly double scale;
    private readonly int horizonSteps;
    private readonly TimeZoneInfo zone;
    private readonly int seed;
    private readonly bool copiesHistory;
    private readonly LinearDecayedHistogram residuals = new(-1.5, 1.5, 300, TimeSpan.FromDays(3));
    private readonly Queue<(long Origin, double Prediction)> pending = new();
    private readonly float[] features = new float[ForecastFeatures.Count];
    private ForecastFeatures? state;
    private long ingested;
    private FastTreeDemandModel? model;
    private readonly bool trainsOwn;
    private readonly FleetDemandModel.Pool? fleet;
    private long? firstSeen;
    // Trained its own, or offered its history to the fleet's.
    private bool historyUsed;

    /// <summary>Creates it with a model trained beforehand, the fleet's, or (neither) to train its own from the VM's history.</summary>
    /// <param name="scale">The VM's capacity.</param>
    /// <param name="shared">A model trained beforehand, or null.</param>
    /// <param name="horizonSteps">The horizon, in steps, without a model trained beforehand.</param>
    /// <param name="zone">The time zone of the calendar features.</param>
    /// <param name="seed">The seed of its own training.</param>
    /// <param name="copiesHistory">
    /// Keep a copy of the steps the lag features read, for callers that pass histories of the same content but not the
    /// same object at every call (forecasts shared by several engines); otherwise they read the history given.
    /// </param>
    /// <param name="fleet">Without a model trained beforehand: the fleet's, which this VM's history helps train; null: its own.</param>
    public FastTreeForecaster(double scale, FastTreeDemandModel? shared, int horizonSteps, TimeZoneInfo? zone = null, int seed = 1, bool copiesHistory = false,
        FleetDemandModel? fleet = null)
    {
        this.copiesHistory = copiesHistory;
        this.scale = scale > 0 ? scale : 1;
        model = shared;
        this.horizonSteps = shared?.HorizonSteps ?? horizonSteps;
        this.zone = zone ?? TimeZoneInfo.Utc;
        this.seed = seed;
        if (shared is null && fleet is not null) this.fleet = fleet.For(horizonSteps, this.zone);
        trainsOwn = shared is null && fleet is null;
    }

    /// <summary>The steps a week's training or offer takes from the history: a week and 16 steps.</summary>
    public const int TrainingSteps = ForecastFeatures.StepsPerWeek + 16;

    /// <inheritdoc />
    public string Name => "fasttree";

    /// <summary>
    /// The most steps back it reads of the history it is given: a week's (<see cref="TrainingSteps"/>) until it has
    /// trained its own model or offered its week to the fleet's (or the fleet's is trained without it), then what the
    /// features read (<see cref="ForecastFeatures.HistoryNeeded"/>); none when it keeps its own copy.
    /// </summary>
    public int StepsRead => copiesHistory ? 0
        : !historyUsed && (trainsOwn || (fleet is not null && model is null && fleet.Model is null)) ? TrainingSteps
        : ForecastFeatures.HistoryNeeded;

    /// <summary>Whether a model is available (shared, or trained on this VM).</summary>
    public bool HasModel => model is not null;

    /// <inheritdoc />
    public double Forecast(long nowUnixSeconds, UsageHistory history, double quantile)
    {
        // The features read their lags from the history given (the same at every call), or from their own copy when
        // it is too short or the caller asks. Bring them up to date with the steps added to it since the last call.
        var readsHistory = !copiesHistory && history.Capacity >= ForecastFeatures.HistoryNeeded;
        // Features reading the history must be given every step of it (their windows read the steps leaving them from
        // it): after more steps than it holds went by unseen (never, in the engine's use), they start afresh.
        if (state is not null && readsHistory && history.Total - ingested > history.Count) state = null;
        state ??= new ForecastFeatures(scale, readsHistory ? history : null);
        var fresh = (int)Math.Min(history.Total - ingested, history.Count);
        for (var age = fresh - 1; age >= 0; age--)
        {
            if (readsHistory) state.AddFromHistory(age);
            else state.Add(history.TimeBack(age), history.Back(age));
        }
        ingested = history.Total;
        if (trainsOwn) MaybeTrain(nowUnixSeconds, history);
        else if (fleet is not null && model is null) model = FleetModel(nowUnixSeconds, history);
        if (model is null) return double.NaN;
        state.Compute(nowUnixSeconds, horizonSteps, zone, features);
        var prediction = model.Predict(features);
        pending.Enqueue((nowUnixSeconds, prediction));
        var residual = residuals.Count >= OwnResidualsNeeded ? residuals.Quantile(quantile) : model.ResidualQuantile(quantile);
        return Math.Max(0, prediction + residual) * scale;
    }

    /// <inheritdoc />
    public void Learn(long originUnixSeconds, double peak)
    {
        while (pending.Count > 0 && pending.Peek().Origin < originUnixSeconds) pending.Dequeue();
        if (pending.Count == 0 || pending.Peek().Origin != originUnixSeconds) return;
        var (_, prediction) = pending.Dequeue();
        if (!double.IsNaN(peak)) residuals.Add(originUnixSeconds, peak / scale - prediction);
    }

    // Offers every step the history holds to the fleet's model once, a week after the first forecast; the model once trained.
    private FastTreeDemandModel? FleetModel(long now, UsageHistory history)
    {
        if (fleet!.Model is { } trained) return trained;
        firstSeen ??= now;
        if (!historyUsed && now - firstSeen.Value >= TrainAfterSeconds)
        {
            historyUsed = true;
            var (times, values) = history.Steps();
            fleet.Offer(new TrainingSeries(times, values, scale), now);
        }
        return fleet.ModelAt(now);
    }

    // Trains once, a week after the first forecast, on every step the history holds, oldest first.
    private void MaybeTrain(long now, UsageHistory history)
    {
        firstSeen ??= now;
        if (historyUsed || now - firstSeen.Value < TrainAfterSeconds) return;
        historyUsed = true;
        var (times, values) = history.Steps();
        var trained = FastTreeDemandModel.Train([new TrainingSeries(times, values, scale)], horizonSteps, zone, seed, sampleEvery: 2, trees: 20);
        if (trained is not null) model = trained;
    }
}
