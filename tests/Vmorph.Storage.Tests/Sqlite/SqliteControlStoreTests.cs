using Microsoft.Extensions.Time.Testing;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;

namespace Vmorph.Storage.Tests.Sqlite;

public sealed class SqliteControlStoreTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-control-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));

    private string DbPath => Path.Combine(directory, "vmorph.db");

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task DemandModels_AreKeptAcrossAReopen_OneAStepHorizonAndZone_TheNewerReplacingTheOlder()
    {
        var trainedAt = new DateTimeOffset(2026, 12, 1, 3, 4, 5, TimeSpan.Zero);
        using (var store = SqliteControlStore.Open(DbPath, clock))
        {
            Assert.Empty(await store.DemandModelsAsync(CancellationToken.None));
            await store.SaveDemandModelAsync(new StoredDemandModel(300, 12, "UTC", [1, 2, 3], trainedAt), CancellationToken.None);
            await store.SaveDemandModelAsync(new StoredDemandModel(300, 12, "Europe/Berlin", [4], trainedAt), CancellationToken.None);
            await store.SaveDemandModelAsync(new StoredDemandModel(60, 12, "UTC", [5], trainedAt), CancellationToken.None);
            // The same step, horizon and zone: the newer replaces the older.
            await store.SaveDemandModelAsync(new StoredDemandModel(300, 12, "UTC", [9, 8, 7, 6], trainedAt.AddDays(1)), CancellationToken.None);
        }

        using var reopened = SqliteControlStore.Open(DbPath, clock);
        var models = await reopened.DemandModelsAsync(CancellationToken.None);
        Assert.Equal(
            [(60, 12, "UTC", "05", trainedAt), (300, 12, "Europe/Berlin", "04", trainedAt), (300, 12, "UTC", "09080706", trainedAt.AddDays(1))],
            models.Select(m => (m.StepSeconds, m.HorizonSteps, m.Zone, Convert.ToHexString(m.Model), m.TrainedAt)));
    }
}
