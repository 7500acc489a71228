using Microsoft.Extensions.Time.Testing;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Import;
using Vmorph.Loop.Hosting;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;
using Vmorph.Units;

namespace Vmorph.Loop.Tests;

public sealed class BatchedProfileSavesTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-saves-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static PersonalityProfile Profile(string id, int samples)
    {
        var profile = new PersonalityProfile(new VmId(id), id, "test");
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        profile.Fold(new ConfigurationObservation(profile.Id, start, new VmConfiguration { Vcpus = 2, Memory = MemorySize.FromGiB(4) }, "first"));
        for (var i = 0; i < samples; i++)
            profile.Fold(new MetricSample(start.AddMinutes(5 * i), cpuUtilisation: new Fraction(0.05 * (i % 10)), cpuAllocated: new CpuCores(2)));
        return profile;
    }

    private static ProfileUpdate Update(PersonalityProfile profile, long? expected) =>
        new(profile, expected, expected is null ? profile.ConfigurationHistory.Versions : [], null);

    [Fact]
    public async Task SavesAskedWhileATransactionIsWritten_GoTogetherInTheNext()
    {
        using var store = new HeldStore(SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), clock));
        var saves = new BatchedProfileSaves(store);

        var first = saves.SaveAsync(Update(Profile("vm-0", 3), null));
        await store.FirstCallStarted.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var rest = Enumerable.Range(1, 99).Select(i => saves.SaveAsync(Update(Profile($"vm-{i}", 3), null))).ToList();
        store.Release.SetResult();
        await Task.WhenAll([first, .. rest]).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal([1, 99], store.BatchSizes);
        Assert.Equal(100, (await store.ListAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task ATransactionWaitsForAGroupOfSaves_BeforeItStarts()
    {
        using var store = new HeldStore(SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), clock)) { Hold = false };
        // A wait longer than the test: the transaction starts only once the group has gathered.
        var saves = new BatchedProfileSaves(store, linger: TimeSpan.FromHours(1));

        var first = saves.SaveAsync(Update(Profile("vm-0", 3), null));
        // Time for the writer to look at its queue (without the wait for a group it would write vm-0 alone now).
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var rest = Enumerable.Range(1, BatchedProfileSaves.GroupSize - 1).Select(i => saves.SaveAsync(Update(Profile($"vm-{i}", 3), null))).ToList();
        await Task.WhenAll([first, .. rest]).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal([BatchedProfileSaves.GroupSize], store.BatchSizes);
    }

    [Fact]
    public async Task ASaveAskedAlone_IsStillWritten_WhenNoGroupGathers()
    {
        // The writer waits for a group only once: a lone save would otherwise never complete.
        using var store = new HeldStore(SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), clock)) { Hold = false };
        var saves = new BatchedProfileSaves(store);

        await saves.SaveAsync(Update(Profile("vm-0", 3), null)).WaitAsync(TimeSpan.FromMinutes(1));
        await saves.SaveAsync(Update(Profile("vm-1", 3), null)).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal([1, 1], store.BatchSizes);
        Assert.Equal(2, (await store.ListAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task AVmChangedByAnotherWriter_FailsAlone_AndTheRestOfItsBatchIsSaved()
    {
        var path = Path.Combine(directory, "vmorph.db");
        using var store = new HeldStore(SqliteFleetStore.Open(path, clock));
        using (var setup = SqliteFleetStore.Open(path, clock))
            await setup.SaveAsync([.. Enumerable.Range(0, 4).Select(i => Update(Profile($"vm-{i}", 3), null))], null, CancellationToken.None);
        // Another writer (a morph recording a configuration) saves vm-2 first: its version moves to 2.
        using (var other = SqliteFleetStore.Open(path, clock))
            await other.SaveAsync([Update(Profile("vm-2", 4), 1)], null, CancellationToken.None);
        var saves = new BatchedProfileSaves(store);

        var blocker = saves.SaveAsync(Update(Profile("vm-0", 5), 1));
        await store.FirstCallStarted.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var batch = new[] { 1, 2, 3 }.ToDictionary(i => i, i => saves.SaveAsync(Update(Profile($"vm-{i}", 6), 1)));
        store.Release.SetResult();
        await blocker.WaitAsync(TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<ConcurrencyException>(() => batch[2].WaitAsync(TimeSpan.FromMinutes(1)));
        await batch[1].WaitAsync(TimeSpan.FromMinutes(1));
        await batch[3].WaitAsync(TimeSpan.FromMinutes(1));
        var stored = await store.LoadAsync([new VmId("vm-1"), new VmId("vm-2"), new VmId("vm-3")], CancellationToken.None);
        Assert.Equal(2, stored[new VmId("vm-1")].Version);
        Assert.Equal(6, stored[new VmId("vm-1")].Profile.Performance.Samples);
        Assert.Equal(2, stored[new VmId("vm-2")].Version);
        Assert.Equal(4, stored[new VmId("vm-2")].Profile.Performance.Samples);
        Assert.Equal(2, stored[new VmId("vm-3")].Version);
        // The held save, the batch of three, then its halves until vm-2 stands alone.
        Assert.Equal([1, 3, 1, 2, 1, 1], store.BatchSizes);
    }

    /// <summary>The store, with its first save held until released (unless <see cref="Hold"/> is false), counting the updates of each save.</summary>
    private sealed class HeldStore(IFleetStore inner) : IFleetStore
    {
        private int calls;

        public bool Hold { get; init; } = true;

        public TaskCompletionSource FirstCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<int> BatchSizes { get; } = [];

        public string Location => inner.Location;

        public async Task SaveAsync(IReadOnlyList<ProfileUpdate> updates, ImportRecord? import, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref calls) == 1 && Hold)
            {
                FirstCallStarted.SetResult();
                await Release.Task;
            }
            lock (BatchSizes) BatchSizes.Add(updates.Count);
            await inner.SaveAsync(updates, import, cancellationToken);
        }

        public Task<IReadOnlyList<VmSummary>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task<StoredProfile?> FindAsync(string idOrName, CancellationToken cancellationToken) => inner.FindAsync(idOrName, cancellationToken);

        public Task<IReadOnlyDictionary<VmId, StoredProfile>> LoadAsync(IEnumerable<VmId> ids, CancellationToken cancellationToken) => inner.LoadAsync(ids, cancellationToken);

        public Task<RecentSamples?> LoadRecentAsync(VmId id, CancellationToken cancellationToken) => inner.LoadRecentAsync(id, cancellationToken);

        public Task<ImportedSpans> LoadSpansAsync(VmId id, CancellationToken cancellationToken) => inner.LoadSpansAsync(id, cancellationToken);

        public Task<Vmorph.Configuration.ConfigurationHistory> LoadHistoryAsync(VmId id, CancellationToken cancellationToken) => inner.LoadHistoryAsync(id, cancellationToken);

        public Task<ImportRecord?> FindImportAsync(string sha256, CancellationToken cancellationToken) => inner.FindImportAsync(sha256, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
