using Vmorph.Forecasting;
using Vmorph.Server;
using Vmorph.Store;

namespace Vmorph.Loop.Tests;

/// <summary>
/// The fleet's forecasting model outlives a restart of the server: trained once from the VMs' offers, it is stored, and
/// the next start restores it before any VM predicts, so that the VMs predict with it from their first step instead of
/// a week later. A stored model that is not one (damaged, from another build) is left out, and the server starts.
/// </summary>
public sealed class FleetModelAcrossRestartTests
{
    private static readonly string Trace = SharedTraces.Path("bitbrains-rnd", "2013-8");
    // The built-in policy's: the peak of the next hour, in the trace's five-minute steps, in UTC.
    private const int Horizon = 12;

    private static ServeOptions Options(string data, bool fresh) =>
        new() { DataDirectory = data, ReplayTrace = Trace, ReplayVms = 2, ReplayFresh = fresh };

    // What a fleet's VMs offer a week after they start forecasting: their CPU history (two days here, enough to train on).
    private static TrainingSeries Offer(int vm)
    {
        var random = new Random(vm);
        var start = new DateTimeOffset(2013, 8, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var times = new long[2 * 288];
        var values = new double[times.Length];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = start + 300L * i;
            values[i] = (1 + vm % 4) * (0.2 + 0.6 * Math.Max(0, Math.Sin(2 * Math.PI * ((times[i] + 3600 * vm) % 86400) / 86400.0))) * (0.7 + 0.6 * random.NextDouble());
        }
        return new TrainingSeries(times, values, 8);
    }

    [Fact]
    public async Task A_trained_model_is_stored_and_restored_at_the_next_start_and_a_damaged_one_is_left_out()
    {
        var data = LoopServer.TempDirectory();
        FastTreeDemandModel trained;
        byte[] storedBytes;
        await using (var first = await LoopServer.StartAsync(Options(data, fresh: true)))
        {
            var pool = first.Services.DemandModels.For(Horizon, TimeZoneInfo.Utc);
            Assert.Null(pool.Model);
            var now = first.Services.Clock.GetUtcNow().ToUnixTimeSeconds();
            for (var vm = 0; vm < FleetDemandModel.SeriesWanted; vm++) pool.Offer(Offer(vm), now);
            // The server trains in the background, and stores the model once trained.
            Assert.Null(pool.ModelAt(now));
            trained = await LoopServer.WaitForAsync(() => Task.FromResult(pool.Model), TimeSpan.FromSeconds(60), "the fleet's model trained");
            var stored = await LoopServer.WaitForAsync(async () => (await first.Services.Control.DemandModelsAsync(CancellationToken.None)).SingleOrDefault(),
                TimeSpan.FromSeconds(10), "the fleet's model stored");
            Assert.Equal((300, Horizon, "UTC"), (stored.StepSeconds, stored.HorizonSteps, stored.Zone));
            Assert.Equal(trained.ToBytes(), stored.Model);
            storedBytes = stored.Model;
        }

        await using (var second = await LoopServer.StartAsync(Options(data, fresh: false)))
        {
            // Restored before any VM predicts; the same model, predicting exactly as the one trained.
            var restored = second.Services.DemandModels.For(Horizon, TimeZoneInfo.Utc).Model;
            Assert.NotNull(restored);
            Assert.NotSame(trained, restored);
            var random = new Random(7);
            for (var i = 0; i < 200; i++)
            {
                var features = Enumerable.Range(0, ForecastFeatures.Count).Select(_ => (float)random.NextDouble()).ToArray();
                Assert.Equal(trained.Predict(features), restored!.Predict(features));
            }
            Assert.Equal(trained.TrainingRows, restored!.TrainingRows);

            // Damage the stored model, as a disk or a hand could.
            var damaged = (byte[])storedBytes.Clone();
            damaged[4] = 99;
            await second.Services.Control.SaveDemandModelAsync(new StoredDemandModel(300, Horizon, "UTC", damaged, second.Services.Clock.GetUtcNow()), CancellationToken.None);
            await second.Services.Control.SaveDemandModelAsync(new StoredDemandModel(300, Horizon, "Mars/Olympus_Mons", storedBytes, second.Services.Clock.GetUtcNow()), CancellationToken.None);
        }

        await using var third = await LoopServer.StartAsync(Options(data, fresh: false));
        // Left out: the fleet trains a new one, which will replace it; the VMs go on being observed.
        Assert.Null(third.Services.DemandModels.For(Horizon, TimeZoneInfo.Utc).Model);
        Assert.Empty(third.Services.DemandModels.Trained());
        await LoopServer.WaitForAsync(async () => (await third.Loop.ListAsync(CancellationToken.None)).FirstOrDefault(v => v.LastObserved is not null),
            TimeSpan.FromSeconds(60), "a VM observed after the start");
        Directory.Delete(data, recursive: true);
    }
}
