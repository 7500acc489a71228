using Vmorph.Cycles;
using Vmorph.Forecasting;
using Vmorph.Policies;
using Vmorph.Recommenders;
using Vmorph.Triggers;

namespace Vmorph.Decisions.Tests.Forecasting;

public class ForecastingTests
{
    private static readonly long Start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    /// <summary>1 core at night, 6 cores from 09:00 to 17:00 UTC.</summary>
    private static double Daily(long t)
    {
        var hour = (t % 86400) / 3600;
        return hour is >= 9 and < 17 ? 6.0 : 1.0;
    }

    [Fact]
    public void Predictive_GrowsAheadOfADailyRise_AndNeverBelowRecentUse()
    {
        var settings = new PredictiveSettings(TimeSpan.FromHours(1), 0.9, ForecastModel.Seasonal, TimeSpan.FromDays(3), TimeSpan.FromHours(1), 0.05);
        var trigger = new PredictiveMorphing(settings, new Allocation(8, double.NaN), TimeSpan.FromMinutes(5), TimeZoneInfo.Utc, null);
        var cpu = new UsageHistory();
        var memory = new UsageHistory();
        var t = Start;
        // Two weeks of the daily pattern, up to 08:30 of day 15.
        for (; t < Start + 14 * 86400 + 8 * 3600 + 1800; t += 300)
        {
            trigger.Step(t, cpu, memory);
            cpu.Add(t, Daily(t));
        }
        Assert.Equal(1.0, cpu.Latest);
        var ahead = trigger.Evaluate(DateTimeOffset.FromUnixTimeSeconds(t), new Allocation(1.2, double.NaN), cpu, memory);
        Assert.NotNull(ahead);
        Assert.True(ahead.Cores >= 5.5, $"expected the 09:00 rise to be forecast at 08:30, got {ahead.Cores}");
        Assert.Equal("seasonal", trigger.CpuModel);

        // At 20:00, the rise is over: the forecast is low, but the last hour still shows 6 cores in use.
        for (; t < Start + 14 * 86400 + 17 * 3600 + 1500; t += 300)
        {
            trigger.Step(t, cpu, memory);
            cpu.Add(t, Daily(t));
        }
        var after = trigger.Evaluate(DateTimeOffset.FromUnixTimeSeconds(t), new Allocation(6.3, double.NaN), cpu, memory);
        Assert.True(after!.Cores >= 6.0, $"must not shrink below the recent peak, got {after.Cores}");
    }

    /// <summary>
    /// The forecast reaches the allocation: at 08:30, with an hour of 1 core behind it, the trigger asks for the 09:00
    /// rise only if the model's forecast is used. The recent-peak model, which has no notion of the hour, is the control:
    /// at the median it forecasts the usual quiet hour, so the same setup without a working forecast asks for ~1 core.
    /// </summary>
    [Theory]
    [InlineData(ForecastModel.FastTree, true)]
    [InlineData(ForecastModel.Seasonal, true)]
    [InlineData(ForecastModel.RecentPeak, false)]
    public void Predictive_MedianForecastOfTheModel_ReachesTheAllocationAheadOfADailyRise(ForecastModel model, bool foresees)
    {
        var step = TimeSpan.FromMinutes(5);
        var days = 14;
        var times = Enumerable.Range(0, days * 288).Select(i => Start + i * 300L).ToArray();
        var shared = FastTreeDemandModel.Train([new TrainingSeries(times, [.. times.Select(Daily)], 8)], 12, TimeZoneInfo.Utc, seed: 1, sampleEvery: 2, trees: 20);
        Assert.NotNull(shared);
        var settings = new PredictiveSettings(TimeSpan.FromHours(1), 0.5, model, TimeSpan.FromDays(3), TimeSpan.FromHours(1), 0.0);
        var trigger = new PredictiveMorphing(settings, new Allocation(8, double.NaN), step, TimeZoneInfo.Utc, shared);
        var cpu = new UsageHistory();
        var memory = new UsageHistory();
        var t = Start;
        for (; t < Start + days * 86400 + 8 * 3600 + 1800; t += 300)
        {
            trigger.Step(t, cpu, memory);
            cpu.Add(t, Daily(t));
        }
        var ahead = trigger.Evaluate(DateTimeOffset.FromUnixTimeSeconds(t), new Allocation(1.2, double.NaN), cpu, memory);
        Assert.NotNull(ahead);
        if (foresees) Assert.True(ahead.Cores >= 4.5, $"{model}: expected the 09:00 rise to be forecast at 08:30, got {ahead.Cores:0.##} cores");
        else Assert.True(ahead.Cores < 2, $"{model}: the control should not foresee the rise, got {ahead.Cores:0.##} cores");
    }

    [Fact]
    public void Predictive_DecisionsBetweenSamples_DoNotCountAsSteps()
    {
        // The live loop decides on every observation, and once a minute for a VM it has heard nothing from: with a
        // 5-minute step, four decisions between samples. They must not advance the back-tests, whose horizon is a
        // number of steps.
        var settings = new PredictiveSettings(TimeSpan.FromHours(1), 0.5, ForecastModel.Auto, TimeSpan.FromDays(3), TimeSpan.FromHours(1), 0.0);
        var provisioned = new Allocation(8, double.NaN);
        var onSamples = new PredictiveMorphing(settings, provisioned, TimeSpan.FromMinutes(5), TimeZoneInfo.Utc, null);
        var withChecks = new PredictiveMorphing(settings, provisioned, TimeSpan.FromMinutes(5), TimeZoneInfo.Utc, null);
        var (cpuA, memoryA, cpuB, memoryB) = (new UsageHistory(), new UsageHistory(), new UsageHistory(), new UsageHistory());
        var current = new Allocation(2, double.NaN);
        var forecasts = new HashSet<double>();
        for (var t = Start; t < Start + 5 * 86400; t += 300)
        {
            var now = DateTimeOffset.FromUnixTimeSeconds(t);
            var expected = onSamples.Evaluate(now, current, cpuA, memoryA, explain: false);
            var actual = withChecks.Evaluate(now, current, cpuB, memoryB, explain: false);
            Assert.Equal(expected?.Cores, actual?.Cores);
            Assert.Equal(onSamples.CpuModel, withChecks.CpuModel);
            for (var check = 60; check < 300; check += 60)
                Assert.Equal(actual?.Cores, withChecks.Evaluate(now.AddSeconds(check), current, cpuB, memoryB, explain: false)?.Cores);
            var cores = Daily(t) * (0.8 + 0.4 * Math.Abs(Math.Sin(t * 0.13)));
            cpuA.Add(t, cores);
            cpuB.Add(t, cores);
            if (expected?.Cores is { } c) forecasts.Add(c);
        }
        Assert.NotNull(onSamples.CpuModel);
        Assert.True(forecasts.Count > 50, $"only {forecasts.Count} different forecasts: the comparison shows little");
    }

    /// <summary>1 core, and 6 cores for the first two hours of every 16 (a cycle the hours of the day do not follow).</summary>
    private static double Every16Hours(long t) => (t - Start) % (16 * 3600) < 2 * 3600 ? 6.0 : 1.0;

    [Fact]
    public void Predictive_WithTheProfilesCycleRings_ForecastsByThePhaseOfTheDominantCycle()
    {
        var settings = new PredictiveSettings(TimeSpan.FromHours(1), 0.9, ForecastModel.Seasonal, TimeSpan.FromDays(3), TimeSpan.FromHours(1), 0.05);
        var cycles = new CycleHistory();
        var withCycle = new PredictiveMorphing(settings, new Allocation(8, double.NaN), TimeSpan.FromMinutes(5), TimeZoneInfo.Utc, null, () => cycles);
        var byHour = new PredictiveMorphing(settings, new Allocation(8, double.NaN), TimeSpan.FromMinutes(5), TimeZoneInfo.Utc, null);
        var cpu = new UsageHistory();
        var memory = new UsageHistory();
        var noise = new Random(16);
        var t = Start;
        // 40 cycles (26⅔ days), up to 9 hours into the next: 7 hours before its rise, 7 hours after the last one ended.
        for (; t < Start + 40 * 16 * 3600 + 9 * 3600; t += 300)
        {
            withCycle.Step(t, cpu, memory);
            byHour.Step(t, cpu, memory);
            var used = Every16Hours(t) + 0.2 * noise.NextDouble();
            cpu.Add(t, used);
            cycles.Add(t, used);
        }
        var now = DateTimeOffset.FromUnixTimeSeconds(t);
        var quiet = withCycle.Evaluate(now, new Allocation(1.2, double.NaN), cpu, memory);
        var quietByHour = byHour.Evaluate(now, new Allocation(1.2, double.NaN), cpu, memory);

        Assert.Equal("PT16H", withCycle.Cycle?.IsoPeriod);
        Assert.Contains("dominant cycle PT16H", quiet!.Reason, StringComparison.Ordinal);
        // By the hour of the day, a rise fell in the next hour on some earlier day at every hour: P90 says 6 cores.
        Assert.True(quietByHour!.Cores >= 5, $"by the hour of the day: {quietByHour.Cores}");
        Assert.True(quiet.Cores < 2, $"by the phase of the 16-hour cycle, nothing rises in the next hour: {quiet.Cores}");

        // Half an hour before the next rise, the phase says it comes.
        for (; t < Start + 40 * 16 * 3600 + 15 * 3600 + 1800; t += 300)
        {
            withCycle.Step(t, cpu, memory);
            var used = Every16Hours(t) + 0.2 * noise.NextDouble();
            cpu.Add(t, used);
            cycles.Add(t, used);
        }
        var ahead = withCycle.Evaluate(DateTimeOffset.FromUnixTimeSeconds(t), new Allocation(1.2, double.NaN), cpu, memory);
        Assert.True(ahead!.Cores >= 5.5, $"the rise at 16 h forecast at 15:30 into the cycle: {ahead.Cores}");
    }

    [Fact]
    public void Conformal_AddsTheQuantileOfItsOwnErrors_ToTheRecentPeakRule()
    {
        // A steady ramp: every hour's peak is 0.6 cores above the last hour's, which the bare rule never sees coming.
        var forecaster = new ConformalPeakForecaster(8, 12);
        var chooser = new BacktestChooser([forecaster], 0.9, 12, TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
        var history = new UsageHistory();
        var t = Start;
        for (var i = 0; i < 200; i++, t += 300)
        {
            chooser.Step(t, history);
            history.Add(t, 0.05 * i);
        }
        var rule = history.Window(12).Max;
        var forecast = chooser.Step(t, history);
        Assert.InRange(forecast - rule, 0.55, 0.7);
    }

    private sealed class Constant(string name, double value) : IDemandForecaster
    {
        public string Name => name;

        public double Forecast(long nowUnixSeconds, UsageHistory history, double quantile) => value;

        public void Learn(long originUnixSeconds, double peak)
        {
        }
    }

    [Fact]
    public void BacktestChooser_PicksTheForecasterWithTheLeastQuantileLoss()
    {
        var chooser = new BacktestChooser([new Constant("too-high", 5), new Constant("right", 2.05), new Constant("too-low", 0.5)], 0.9, 6, TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
        var history = new UsageHistory();
        var t = Start;
        for (var i = 0; i < 500; i++, t += 300)
        {
            chooser.Step(t, history);
            history.Add(t, 2.0);
        }
        Assert.Equal("right", chooser.ChosenName);
        Assert.Equal(2.05, chooser.Forecast);
        var losses = chooser.Losses;
        Assert.True(losses[1] < losses[0] && losses[1] < losses[2]);
    }

    [Fact]
    public void FastTree_CompiledTreesPredictExactlyWhatMlNetPredicts()
    {
        var rng = new Random(7);
        var series = Enumerable.Range(0, 3).Select(v =>
        {
            var n = 288 * 5;
            var times = Enumerable.Range(0, n).Select(i => Start + i * 300L).ToArray();
            var values = times.Select(tt => Daily(tt) * (0.8 + 0.1 * v) + rng.NextDouble()).ToArray();
            return new TrainingSeries(times, values, 8);
        }).ToList();
        var (compiled, mlNet) = FastTreeDemandModel.TrainWithMlNetPredictor(series, 12, TimeZoneInfo.Utc, seed: 3, sampleEvery: 2, trees: 20);
        Assert.NotNull(compiled);
        var state = new ForecastFeatures(8);
        var features = new float[ForecastFeatures.Count];
        var checkedRows = 0;
        for (var i = 0; i < series[0].UnixSeconds.Length; i += 37)
        {
            if (i > 0) for (var k = i - 37; k < i; k++) state.Add(series[0].UnixSeconds[k], series[0].Values[k]);
            state.Compute(series[0].UnixSeconds[i], 12, TimeZoneInfo.Utc, features);
            Assert.Equal(mlNet(features), compiled.Predict(features), 4);
            checkedRows++;
        }
        Assert.True(checkedRows > 30);
    }

    [Fact]
    public void FastTree_Training_ForcesNoFullCollection()
    {
        // ML.NET's FastTree forces three full collections a training unless told not to: three trainings would force
        // nine. A full collection the runtime starts by itself in these few hundred milliseconds is unlikely; nine are not.
        Assert.True(FastTreeDemandModel.ForcedCollectionsCanBeSwitchedOff, "ML.NET's FastTreeTrainerBase.AllowGC was not found");
        var series = new[] { new TrainingSeries([.. Enumerable.Range(0, 2016).Select(i => Start + 300L * i)], [.. Enumerable.Range(0, 2016).Select(i => Daily(Start + 300L * i))], 8) };
        FastTreeDemandModel.Train(series, 12, TimeZoneInfo.Utc, 1, sampleEvery: 2, trees: 20);
        var before = GC.CollectionCount(2);
        for (var i = 0; i < 3; i++) Assert.NotNull(FastTreeDemandModel.Train(series, 12, TimeZoneInfo.Utc, 1, sampleEvery: 2, trees: 20));
        Assert.True(GC.CollectionCount(2) - before < 3, $"{GC.CollectionCount(2) - before} full collections in three trainings");
    }

    [Fact]
    public void FastTreeForecaster_WithoutASharedModel_TrainsItsOwnAfterAWeek()
    {
        var forecaster = new FastTreeForecaster(8, null, 12);
        var history = new UsageHistory();
        var t = Start;
        var firstForecast = double.NaN;
        for (var i = 0; i < 288 * 8; i++, t += 300)
        {
            var f = forecaster.Forecast(t, history, 0.9);
            if (double.IsNaN(firstForecast) && !double.IsNaN(f)) firstForecast = t - Start;
            history.Add(t, Daily(t));
        }
        Assert.True(forecaster.HasModel);
        Assert.Equal(7 * 86400, firstForecast);
    }

    [Fact]
    public void FastTreeForecaster_ReadingTheCallersWeekLongHistory_ForecastsAsWithItsOwnCopy_ThroughItsOwnTraining()
    {
        // Features that copy the steps they read (as they all did before) and features reading the engine's week-long
        // history in place. Eleven days: the VM trains its own model on day 7, from that history.
        var reading = new FastTreeForecaster(8, null, 12);
        var copying = new FastTreeForecaster(8, null, 12, copiesHistory: true);
        var week = new UsageHistory();
        var random = new Random(5);
        var forecasts = 0;
        for (long t = Start; t < Start + 11 * 86400L; t += 300)
        {
            var byReading = reading.Forecast(t, week, 0.9);
            var byCopying = copying.Forecast(t, week, 0.9);
            Assert.Equal(byCopying, byReading);
            if (!double.IsNaN(byReading)) forecasts++;
            var value = t % 7919 == 0 ? double.NaN : Daily(t) * (0.7 + 0.6 * random.NextDouble());
            week.Add(t, value);
        }
        Assert.Equal(4 * 288, forecasts);
    }

    [Fact]
    public void FastTreeForecaster_AskedEveryThirdStep_TrainsOnEveryStepOfTheHistory_AfterAWeek()
    {
        // The back-test chooser asks a forecaster not in use every third step. The model it trains on day 7 must be the
        // one trained on every step the history holds then (all of them: it holds a week and more), not on the steps it
        // was asked at; until it has 200 residuals of its own, its forecast is the model's prediction plus the model's
        // training residual.
        const double scale = 8;
        var forecaster = new FastTreeForecaster(scale, null, 12);
        var history = new UsageHistory();
        var features = new ForecastFeatures(scale, history);
        var row = new float[ForecastFeatures.Count];
        var times = new List<long>();
        var values = new List<double>();
        FastTreeDemandModel? expected = null;
        var random = new Random(9);
        var trainings = 0;
        for (long t = Start; t < Start + 7 * 86400L + 3600; t += 300)
        {
            if ((t - Start) / 300 % 3 == 0)
            {
                if (t - Start == 7 * 86400L)
                {
                    Assert.Equal(times.Count, history.Count);
                    expected = FastTreeDemandModel.Train([new TrainingSeries([.. times], [.. values], scale)], 12, TimeZoneInfo.Utc, 1, sampleEvery: 2, trees: 20);
                    trainings++;
                }
                var forecast = forecaster.Forecast(t, history, 0.9);
                if (expected is null) Assert.True(double.IsNaN(forecast));
                else
                {
                    features.Compute(t, 12, TimeZoneInfo.Utc, row);
                    Assert.Equal(Math.Max(0, expected.Predict(row) + expected.ResidualQuantile(0.9)) * scale, forecast);
                }
            }
            var value = t % 7919 == 0 ? double.NaN : Daily(t) * (0.7 + 0.6 * random.NextDouble()) + 1e-3 * random.NextDouble();
            history.Add(t, value);
            times.Add(t);
            values.Add((float)value);
            features.AddFromHistory(0);
        }
        Assert.Equal(1, trainings);
        Assert.NotNull(expected);
    }

    [Fact]
    public void Features_WindowMaximaAndMeans_AreThoseOfTheLastStepsCountedOneByOne()
    {
        // The sliding windows (1 h, 6 h, 24 h, 48 h) against the steps themselves, over three days of values that rise
        // and fall in runs, with absent steps, read both ways: the maxima from hour-long blocks and the steps before the
        // first whole one, at every offset of a window's start within a block.
        const double scale = 4;
        var history = new UsageHistory();
        var reading = new ForecastFeatures(scale, history);
        var copying = new ForecastFeatures(scale);
        var steps = new List<double>();
        var row = new float[ForecastFeatures.Count];
        var random = new Random(3);
        var value = 1.0;
        for (long t = Start; t < Start + 3 * 86400L; t += 300)
        {
            value = Math.Clamp(value + (random.NextDouble() - (t / 300 / 97 % 2 == 0 ? 0.3 : 0.7)) * 0.2, 0, scale);
            var v = t % 1117 == 0 ? double.NaN : value;
            history.Add(t, v);
            steps.Add((float)v);
            reading.AddFromHistory(0);
            copying.Add(t, (float)v);
            foreach (var state in new[] { reading, copying })
            {
                state.Compute(t, 12, TimeZoneInfo.Utc, row);
                foreach (var (window, maxAt, meanAt) in new[] { (12, 3, 4), (72, 5, 6), (288, 7, 8), (576, 15, -1) })
                {
                    var last = steps.Skip(Math.Max(0, steps.Count - window)).Where(x => !double.IsNaN(x)).ToList();
                    Assert.Equal(last.Count == 0 ? -1f : (float)(last.Max() / scale), row[maxAt]);
                    if (meanAt >= 0) Assert.Equal(last.Count == 0 ? -1f : (float)(last.Average() / scale), row[meanAt], 5);
                }
            }
        }
    }

    [Theory]
    [InlineData(12)]
    [InlineData(5)]
    [InlineData(30)]
    public void Features_TheWeekOldPeak_IsThePeakOfTheHourLongBlocksHoldingTheHorizonAWeekAgo(int horizonSteps)
    {
        // Nine days of steps with absent ones: the feature against the steps themselves, grouped in blocks of 12 by
        // their index; never below the horizon's own peak a week ago. Before a week it is absent (−1).
        const double scale = 4;
        var history = new UsageHistory(ForecastFeatures.HistoryNeeded);
        var state = new ForecastFeatures(scale, history);
        var steps = new List<double>();
        var row = new float[ForecastFeatures.Count];
        var random = new Random(7);
        for (long t = Start; t < Start + 9 * 86400L; t += 300)
        {
            var v = t % 1117 == 0 ? double.NaN : (float)(scale * Daily(t) * random.NextDouble());
            history.Add(t, v);
            steps.Add(v);
            state.AddFromHistory(0);
            state.Compute(t + 300, horizonSteps, TimeZoneInfo.Utc, row);
            var from = steps.Count - ForecastFeatures.StepsPerWeek;
            if (from < 0)
            {
                Assert.Equal(-1f, row[11]);
                continue;
            }
            var to = from + horizonSteps - 1;
            var blocks = steps.Skip(from / 12 * 12).Take((to / 12 + 1) * 12 - from / 12 * 12).Where(x => !double.IsNaN(x)).ToList();
            Assert.Equal(blocks.Count == 0 ? -1f : (float)(blocks.Max() / scale), row[11]);
            var horizon = steps.Skip(from).Take(horizonSteps).Where(x => !double.IsNaN(x)).ToList();
            if (horizon.Count > 0) Assert.True(row[11] >= (float)(horizon.Max() / scale));
        }
    }

    [Fact]
    public void Features_ReadingTheCallersHistory_AreThoseOfAStateKeepingItsOwnCopy_ThroughFullWindowsAndGaps()
    {
        // The windows of a state reading the caller's history take the steps leaving them from it; a state keeping its
        // own copy (and rings) fed the same values must compute the same features at every step, over three days (the
        // two-day window full and sliding), with absent steps, and with steps added in catch-ups of one to three.
        const double scale = 4;
        var history = new UsageHistory();
        var reading = new ForecastFeatures(scale, history);
        var copying = new ForecastFeatures(scale);
        var expected = new float[ForecastFeatures.Count];
        var actual = new float[ForecastFeatures.Count];
        var random = new Random(5);
        var pending = 0;
        for (long t = Start; t < Start + 3 * 86400L; t += 300)
        {
            var value = t % 1117 == 0 ? double.NaN : scale * Daily(t) * random.NextDouble();
            history.Add(t, value);
            pending++;
            if (random.Next(3) > 0 && pending < 3) continue;
            for (var age = pending - 1; age >= 0; age--)
            {
                reading.AddFromHistory(age);
                copying.Add(history.TimeBack(age), history.Back(age));
            }
            pending = 0;
            reading.Compute(t + 300, 12, TimeZoneInfo.Utc, actual);
            copying.Compute(t + 300, 12, TimeZoneInfo.Utc, expected);
            Assert.Equal(expected, actual);
        }
        Assert.Equal(3 * 288, reading.Steps);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(4, 1)]
    public void Predictive_ReadingAMemoryHistoryOfOnlyTheStepsItReads_DecidesAsWithAWeekOfIt(int horizonHours, int floorHours)
    {
        // Memory that climbs and falls over days, so the floor and the learned peaks move; the default choice of
        // models (memory: seasonal and recent peak, which read no steps back). Five days, through the CPU model's own
        // training on day 3.
        var settings = new PredictiveSettings(TimeSpan.FromHours(horizonHours), 0.9, ForecastModel.Auto, TimeSpan.FromDays(3), TimeSpan.FromHours(floorHours), 0.05);
        var step = TimeSpan.FromMinutes(5);
        var provisioned = new Allocation(8, 8192);
        var shortened = new PredictiveMorphing(settings, provisioned, step, TimeZoneInfo.Utc, null);
        var weekLong = new PredictiveMorphing(settings, provisioned, step, TimeZoneInfo.Utc, null);
        Assert.Equal(Math.Max(horizonHours, floorHours) * 12, shortened.MemoryStepsRead);
        var cpu = (Short: new UsageHistory(), Week: new UsageHistory());
        var memory = (Short: new UsageHistory(shortened.MemoryStepsRead), Week: new UsageHistory());
        var random = new Random(13);
        var evaluated = 0;
        for (var t = Start; t < Start + 5 * 86400L; t += 300)
        {
            var now = DateTimeOffset.FromUnixTimeSeconds(t);
            var a = shortened.Evaluate(now, provisioned, cpu.Short, memory.Short);
            var b = weekLong.Evaluate(now, provisioned, cpu.Week, memory.Week);
            Assert.Equal(b?.Cores, a?.Cores);
            Assert.Equal(b?.MemoryMiB, a?.MemoryMiB);
            if (a?.MemoryMiB is not null) evaluated++;
            var cores = Daily(t) * (0.7 + 0.6 * random.NextDouble());
            var mib = 2000 + 3000 * Math.Abs(Math.Sin((t - Start) / 200_000.0)) + 400 * random.NextDouble();
            foreach (var history in new[] { cpu.Short, cpu.Week }) history.Add(t, cores);
            foreach (var history in new[] { memory.Short, memory.Week }) history.Add(t, mib);
        }
        Assert.True(memory.Short.Slots <= shortened.MemoryStepsRead);
        Assert.True(evaluated > 5 * 280);
    }
}
