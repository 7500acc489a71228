using Vmorph.Cycles;
using Vmorph.Forecasting;
using Vmorph.Identity;
using Vmorph.Policies;
using Vmorph.Recommenders;
using Vmorph.Triggers;

namespace Vmorph.Decisions.Tests.Triggers;

public class SharedForecastsTests
{
    private static readonly long Start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);
    private static readonly Allocation Provisioned = new(8, 16384);
    private static readonly VmId Vm = new("test:1");

    private static PredictiveSettings Settings(double quantile = 0.5, double headroom = 0.1) =>
        new(TimeSpan.FromHours(1), quantile, ForecastModel.Auto, TimeSpan.FromDays(3), TimeSpan.FromHours(1), headroom);

    /// <summary>A daily rise, a burst every 7 hours and noise: every forecaster has something to say.</summary>
    private static double Cpu(long t)
    {
        var hour = (t - Start) % 86400 / 3600.0;
        var burst = (t - Start) % (7 * 3600) < 1800 ? 3 : 0;
        return 0.5 + (hour is >= 9 and < 17 ? 2.5 : 0) + burst + 0.3 * Math.Abs(Math.Sin(t * 0.37));
    }

    private static double Memory(long t) => 4096 + 2048 * ((t - Start) % 86400 / 86400.0);

    /// <summary>An engine's histories, stepped as the policy engine steps them: forecast, then add the step.</summary>
    private sealed class Engine
    {
        private readonly UsageHistory cpu = new();
        private readonly UsageHistory memory;

        /// <summary>The engine's own cycle rings, which its trigger reads once a day.</summary>
        public CycleHistory Rings { get; } = new();

        public Engine(Func<Func<CycleHistory?>, PredictiveMorphing> create)
        {
            Trigger = create(() => Rings);
            memory = new UsageHistory(Trigger.MemoryStepsRead);
        }

        public PredictiveMorphing Trigger { get; }

        public MorphIntent? StepAt(long t)
        {
            var intent = Trigger.Evaluate(DateTimeOffset.FromUnixTimeSeconds(t), new Allocation(2, 8192), cpu, memory, explain: false);
            cpu.Add(t, Cpu(t));
            memory.Add(t, Memory(t));
            Rings.Add(t, Cpu(t));
            return intent;
        }
    }

    [Fact]
    public void EnginesSharingForecasts_DecideAsEnginesAlone_AndForecastEachStepOnce()
    {
        var model = FastTreeDemandModel.Train(
            [new TrainingSeries([.. Enumerable.Range(0, 7 * 288).Select(i => Start - 7 * 86400 + i * 300L)], [.. Enumerable.Range(0, 7 * 288).Select(i => Cpu(Start - 7 * 86400 + i * 300L))], 8)],
            12, TimeZoneInfo.Utc, seed: 1, sampleEvery: 2, trees: 10);
        Assert.NotNull(model);
        var shared = new SharedForecasts(subscribers: 2);
        // Headroom acts on the forecast, not in it: engines with different headroom share one stream.
        Engine Alone(double headroom) => new(rings => new PredictiveMorphing(Settings(headroom: headroom), Provisioned, Step, TimeZoneInfo.Utc, model, rings));
        Engine Sharing(double headroom) => new(rings => new PredictiveMorphing(Settings(headroom: headroom), Provisioned, Step, TimeZoneInfo.Utc, model, rings, sharedForecasts: shared, vm: Vm));
        Engine[] alone = [Alone(0.1), Alone(0.3)];
        Engine[] sharing = [Sharing(0.1), Sharing(0.3)];
        var times = Enumerable.Range(0, 10 * 288).Select(i => Start + i * 300L).ToArray();
        var done = new int[2];
        var models = new HashSet<string>(StringComparer.Ordinal);
        // Either engine may come first to a step, and run up to 7 steps ahead of the other.
        for (var block = 0; done[0] < times.Length || done[1] < times.Length; block++)
        {
            var length = 1 + block % 7;
            foreach (var e in block % 2 == 0 ? new[] { 0, 1 } : [1, 0])
            {
                for (var i = 0; i < length && done[e] < times.Length; i++, done[e]++)
                {
                    var t = times[done[e]];
                    var expected = alone[e].StepAt(t);
                    var actual = sharing[e].StepAt(t);
                    Assert.Equal(expected?.Cores, actual?.Cores);
                    Assert.Equal(expected?.MemoryMiB, actual?.MemoryMiB);
                    Assert.Equal(alone[e].Trigger.CpuModel, sharing[e].Trigger.CpuModel);
                    Assert.Equal(alone[e].Trigger.MemoryModel, sharing[e].Trigger.MemoryModel);
                    if (alone[e].Trigger.CpuModel is { } m) models.Add(m);
                }
            }
        }
        var steps = times.Length;
        Assert.Equal(steps, shared.Computed);
        // The back-tests ran: more than one forecaster was chosen over the ten days.
        Assert.True(models.Count >= 2, $"only {string.Join(", ", models)} chosen");
        // The dominant cycle (the day) is named from the rings of whichever engine came first to the day's check.
        Assert.Equal(TimeSpan.FromDays(1), alone[0].Trigger.Cycle?.Period);
        Assert.Equal(alone[0].Trigger.Cycle?.Period, sharing[0].Trigger.Cycle?.Period);
    }

    [Fact]
    public void AnEngineSteppingApart_Throws()
    {
        var shared = new SharedForecasts(subscribers: 2);
        var a = new Engine(_ => new PredictiveMorphing(Settings(), Provisioned, Step, TimeZoneInfo.Utc, null, sharedForecasts: shared, vm: Vm));
        var b = new Engine(_ => new PredictiveMorphing(Settings(), Provisioned, Step, TimeZoneInfo.Utc, null, sharedForecasts: shared, vm: Vm));
        a.StepAt(Start);
        a.StepAt(Start + 300);
        b.StepAt(Start);
        var error = Assert.Throws<InvalidOperationException>(() => b.StepAt(Start + 600));
        Assert.Contains("stepped apart", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JoiningWithAnotherQuantileOrCapacity_Throws()
    {
        var shared = new SharedForecasts(subscribers: 2);
        _ = new PredictiveMorphing(Settings(0.5), Provisioned, Step, TimeZoneInfo.Utc, null, sharedForecasts: shared, vm: Vm);
        Assert.Throws<ArgumentException>(() => new PredictiveMorphing(Settings(0.99), Provisioned, Step, TimeZoneInfo.Utc, null, sharedForecasts: shared, vm: Vm));
        Assert.Throws<ArgumentException>(() => new PredictiveMorphing(Settings(0.5), new Allocation(4, 16384), Step, TimeZoneInfo.Utc, null, sharedForecasts: shared, vm: Vm));
    }

    [Fact]
    public void LeanAndBalancedForecastAlike_SafeDoesNot()
    {
        var catalog = PolicyCatalog.BuiltIn;
        var lean = catalog.Find("vmorph-lean")!;
        var balanced = catalog.Find("vmorph")!;
        var safe = catalog.Find("vmorph-safe")!;
        Assert.True(SharedForecasts.ForecastAlike(lean, balanced));
        Assert.False(SharedForecasts.ForecastAlike(balanced, safe));
        // A policy that does not forecast shares with none, not even itself.
        var withoutForecast = lean with { Predictive = null };
        Assert.False(SharedForecasts.ForecastAlike(withoutForecast, withoutForecast));
    }
}
