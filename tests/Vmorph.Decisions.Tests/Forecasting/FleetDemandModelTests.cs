using Vmorph.Forecasting;

namespace Vmorph.Decisions.Tests.Forecasting;

public class FleetDemandModelTests
{
    private const int Horizon = 12;
    private static readonly long Start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    // A busy day shape with noise, different for each VM.
    private static double Usage(long t, int vm, Random random) =>
        (1 + vm) * (0.2 + 0.6 * Math.Max(0, Math.Sin(2 * Math.PI * (((t + 3600 * vm) % 86400) / 86400.0)))) * (0.7 + 0.6 * random.NextDouble());

    private static TrainingSeries Series(int vm, int days)
    {
        var random = new Random(vm);
        var times = new long[days * 288];
        var values = new double[times.Length];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = Start + 300L * i;
            values[i] = Usage(times[i], vm, random);
        }
        return new TrainingSeries(times, values, 8);
    }

    [Fact]
    public void ASmallFleet_TrainsOneModel_ADayAfterItsFirstOffer_FromTheWeeksOffered_AndEveryVmPredictsWithIt()
    {
        // Three VMs stepping together: each offers the week its history holds once it has forecast for a week; with
        // fewer than SeriesWanted offers the model waits a day for more, then is trained on exactly those weeks. A VM
        // that joins later predicts with the same model from its first step.
        var fleet = new FleetDemandModel(inBackground: false);
        var scales = new[] { 4.0, 8.0, 16.0 };
        var forecasters = scales.Select(s => new FastTreeForecaster(s, null, Horizon, fleet: fleet)).ToArray();
        var histories = scales.Select(_ => new UsageHistory()).ToArray();
        var randoms = scales.Select((_, vm) => new Random(vm)).ToArray();
        var offered = new List<TrainingSeries>();
        var week = Start + 7 * 86400L;
        long t = Start;
        for (; t < week + 86400 + 600; t += 300)
        {
            if (t == week)
                offered.AddRange(histories.Select((h, vm) => h.Steps() is var (times, values) ? new TrainingSeries(times, values, scales[vm]) : null!));
            for (var vm = 0; vm < scales.Length; vm++)
            {
                var forecast = forecasters[vm].Forecast(t, histories[vm], 0.9);
                Assert.Equal(t >= week + 86400, !double.IsNaN(forecast));
                histories[vm].Add(t, Usage(t, vm, randoms[vm]));
            }
        }
        var pool = fleet.For(Horizon, TimeZoneInfo.Utc);
        Assert.NotNull(pool.Model);
        Assert.Single(fleet.Trained());
        Assert.All(forecasters, f => Assert.True(f.HasModel));
        Assert.Equal(0, pool.Offers);

        // The model is the one trained on the three weeks offered, in the order offered.
        var expected = FastTreeDemandModel.Train(offered, Horizon, TimeZoneInfo.Utc, 1, sampleEvery: 2)!;
        Assert.Equal(expected.TrainingRows, pool.Model!.TrainingRows);
        var row = new float[ForecastFeatures.Count];
        var features = new ForecastFeatures(8, histories[1]);
        for (var age = histories[1].Count - 1; age >= 0; age--) features.AddFromHistory(age);
        features.Compute(t, Horizon, TimeZoneInfo.Utc, row);
        Assert.Equal(expected.Predict(row), pool.Model.Predict(row));

        var newcomer = new FastTreeForecaster(2, null, Horizon, fleet: fleet);
        var young = new UsageHistory();
        young.Add(t, 1);
        Assert.False(double.IsNaN(newcomer.Forecast(t + 300, young, 0.9)));
        Assert.True(newcomer.HasModel);
    }

    [Fact]
    public void SeriesWantedOffers_TrainAtOnce_FewerWaitForThePatience()
    {
        var fleet = new FleetDemandModel(inBackground: false);
        var pool = fleet.For(Horizon, TimeZoneInfo.Utc);
        var now = Start + 2 * 86400L;
        for (var vm = 0; vm < FleetDemandModel.SeriesWanted - 1; vm++) pool.Offer(Series(vm, 2), now);
        Assert.Null(pool.ModelAt(now));
        Assert.Null(pool.ModelAt(now + (long)FleetDemandModel.Patience.TotalSeconds - 1));
        pool.Offer(Series(FleetDemandModel.SeriesWanted, 2), now);
        var model = pool.ModelAt(now);
        Assert.NotNull(model);
        Assert.Same(model, pool.ModelAt(now));
        // Offers once trained are not kept; another horizon or time zone is another model.
        pool.Offer(Series(99, 2), now);
        Assert.Equal(0, pool.Offers);
        Assert.Null(fleet.For(Horizon + 1, TimeZoneInfo.Utc).Model);
        Assert.Same(pool, fleet.For(Horizon, TimeZoneInfo.Utc));
    }

    [Fact]
    public void OffersTooShortToLearnFrom_WaitForMore_AndAreTrainedOnWithThem()
    {
        var pool = new FleetDemandModel(inBackground: false).For(Horizon, TimeZoneInfo.Utc);
        var now = Start + 86400L;
        // A day and an hour: rows start after a day of history, too few to learn from.
        var tooShort = new TrainingSeries([.. Series(1, 2).UnixSeconds.Take(300)], [.. Series(1, 2).Values.Take(300)], 8);
        pool.Offer(tooShort, now);
        var later = now + (long)FleetDemandModel.Patience.TotalSeconds;
        Assert.Null(pool.ModelAt(later));
        Assert.Equal(1, pool.Offers);
        // No new offer: no second try.
        Assert.Null(pool.ModelAt(later + 300));
        pool.Offer(Series(2, 3), later);
        var model = pool.ModelAt(later);
        Assert.NotNull(model);
        var expected = FastTreeDemandModel.Train([tooShort, Series(2, 3)], Horizon, TimeZoneInfo.Utc, 1, sampleEvery: 2)!;
        Assert.Equal(expected.TrainingRows, model!.TrainingRows);
    }

    [Fact]
    public async Task CallersAtOnce_TrainOneModel_InTheBackground_AndAllGetThatOne()
    {
        // A server's: the caller that completes the offers is not held by the training; it and the others get null
        // until the model is trained, then that model.
        var fleet = new FleetDemandModel();
        var pool = fleet.For(Horizon, TimeZoneInfo.Utc);
        var now = Start + 2 * 86400L;
        for (var vm = 0; vm < FleetDemandModel.SeriesWanted; vm++) pool.Offer(Series(vm, 2), now);
        // This call starts the training, and does not wait for it.
        Assert.Null(pool.ModelAt(now));
        using var go = new ManualResetEventSlim();
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            go.Wait();
            FastTreeDemandModel? seen = null;
            // Each asks until it has the model: those that come while another trains get null meanwhile.
            while ((seen = pool.ModelAt(now)) is null) Thread.Yield();
            return seen;
        })).ToArray();
        go.Set();
        var models = await Task.WhenAll(callers);
        Assert.All(models, m => Assert.Same(pool.Model, m));
        Assert.Equal(0, pool.Offers);
        Assert.Single(fleet.Trained());
    }

    [Fact]
    public void ATrainedModel_IsHandedToTheTrainedCallbackOnce_AndARestoredOne_IsPredictedWithFromTheFirstStep()
    {
        // The server's: each model trained is handed over to be stored; the next run restores it, and its VMs predict
        // with it from their first step, holding the two days its features read rather than a week to offer.
        var handed = new List<(int Horizon, string Zone, FastTreeDemandModel Model)>();
        var fleet = new FleetDemandModel(inBackground: false, trained: (pool, model) => handed.Add((pool.HorizonSteps, pool.Zone.Id, model)));
        var pool = fleet.For(Horizon, TimeZoneInfo.Utc);
        var now = Start + 2 * 86400L;
        for (var vm = 0; vm < FleetDemandModel.SeriesWanted; vm++) pool.Offer(Series(vm, 2), now);
        var model = pool.ModelAt(now);
        Assert.NotNull(model);
        Assert.Same(model, pool.ModelAt(now + 300));
        var (horizon, zone, handedModel) = Assert.Single(handed);
        Assert.Equal((Horizon, "UTC"), (horizon, zone));
        Assert.Same(model, handedModel);

        var restarted = new FleetDemandModel(inBackground: false, trained: (_, _) => Assert.Fail("a restored model is not trained again"));
        var restored = FastTreeDemandModel.FromBytes(model!.ToBytes()).Value;
        Assert.True(restarted.Restore(restored, TimeZoneInfo.Utc));
        Assert.Same(restored, restarted.For(Horizon, TimeZoneInfo.Utc).Model);
        // Another horizon is another model, still to be trained.
        Assert.Null(restarted.For(Horizon * 2, TimeZoneInfo.Utc).Model);
        // Only one model a horizon and time zone: a second restore is not taken.
        Assert.False(restarted.Restore(model, TimeZoneInfo.Utc));

        var forecaster = new FastTreeForecaster(4, null, Horizon, fleet: restarted);
        var history = new UsageHistory();
        history.Add(Start, 1);
        Assert.False(double.IsNaN(forecaster.Forecast(Start + 300, history, 0.9)));
        Assert.True(forecaster.HasModel);
        // It reads two days of history, not the week it would offer.
        Assert.Equal(ForecastFeatures.HistoryNeeded, forecaster.StepsRead);
    }
}
