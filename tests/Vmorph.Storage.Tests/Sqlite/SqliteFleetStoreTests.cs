using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;
using Vmorph.Units;

namespace Vmorph.Storage.Tests.Sqlite;

public sealed class SqliteFleetStoreTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-store-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    private string DbPath => Path.Combine(directory, "vmorph.db");

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static PersonalityProfile Profile(string id, int samples = 10)
    {
        var profile = new PersonalityProfile(new VmId(id), id.Split(':')[^1], "test");
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        profile.Fold(new ConfigurationObservation(profile.Id, start, new VmConfiguration { Vcpus = 2, Memory = MemorySize.FromGiB(4) }, "first"));
        for (var i = 0; i < samples; i++)
            profile.Fold(new MetricSample(start.AddMinutes(5 * i), cpuUtilisation: new Fraction(0.1 * (i % 10)), cpuAllocated: new CpuCores(2)));
        return profile;
    }

    private static ProfileUpdate New(PersonalityProfile p) => new(p, null, p.ConfigurationHistory.Versions, new RecentSamples());

    [Fact]
    public void TheSamplesOnlyVersionCheck_ReadsTheIndexOfVersions_NotTheVmsRow()
    {
        using (SqliteFleetStore.Open(DbPath, clock)) { }
        using var connection = new SqliteConnection($"Data Source={DbPath}");
        connection.Open();
        var plan = string.Join(" | ", connection.Query<(long, long, long, string Detail)>("EXPLAIN QUERY PLAN " + SqliteFleetStore.VersionCheck, new { id = "vm-1" }).Select(r => r.Detail));
        Assert.Equal("SEARCH vms USING COVERING INDEX vms_versions (vm_id=?)", plan);
    }

    [Fact]
    public void Open_NewFile_CreatesSchemaInWalMode()
    {
        using (SqliteFleetStore.Open(DbPath, clock)) { }
        using var connection = new SqliteConnection($"Data Source={DbPath}");
        connection.Open();
        Assert.Equal("wal", connection.ExecuteScalar<string>("PRAGMA journal_mode"));
        Assert.Equal(SqliteMigrator.Scripts[^1].Version, connection.ExecuteScalar<long>("SELECT MAX(version) FROM schema_migrations"));
        Assert.Equal(4, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('vms', 'configuration_versions', 'raw_windows', 'imported_files')"));
    }

    [Fact]
    public void Migrate_ScriptAppliedByAnotherConnectionAfterThisOneLooked_IsSkippedNotRunTwice()
    {
        // Two processes open a new store: both see no migration applied, the first runs 0001; the second must see
        // that under the write lock instead of failing on "table vms already exists".
        using var first = Connect();
        using var second = Connect();
        first.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        var initial = SqliteMigrator.Scripts[0];

        Assert.True(SqliteMigrator.Apply(first, initial, clock));
        Assert.False(SqliteMigrator.Apply(second, initial, clock));
        Assert.Equal(1, second.ExecuteScalar<long>("SELECT count(*) FROM schema_migrations WHERE version = @version", new { version = initial.Version }));
    }

    [Fact]
    public async Task Open_SameNewFileFromManyConnectionsAtOnce_AllSucceed()
    {
        using var start = new Barrier(8);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            start.SignalAndWait();
            if (i % 2 == 0) SqliteFleetStore.Open(DbPath, clock).Dispose();
            else SqliteMorphJournal.Open(DbPath, clock).Dispose();
        })));

        using var connection = Connect();
        Assert.Equal(SqliteMigrator.Scripts.Select(s => (long)s.Version), connection.Query<long>("SELECT version FROM schema_migrations ORDER BY version"));
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    [Fact]
    public async Task Save_ThenLoad_RoundTripsProfileHistoryAndWindow()
    {
        var profile = Profile("test:a");
        using (var store = SqliteFleetStore.Open(DbPath, clock))
        {
            var window = new RecentSamples();
            window.AddRange([new MetricSample(DateTimeOffset.FromUnixTimeSeconds(1000), cpuUtilisation: new Fraction(0.5))]);
            await store.SaveAsync([New(profile) with { Recent = window }], null, CancellationToken.None);
        }
        using (var store = SqliteFleetStore.Open(DbPath, clock))
        {
            var loaded = (await store.FindAsync("a", CancellationToken.None))!;
            Assert.Equal(1, loaded.Version);
            Assert.Equal(ProfileCodec.Encode(profile), ProfileCodec.Encode(loaded.Profile));
            Assert.Equal(profile.ConfigurationHistory.Current!.ContentHash, loaded.Profile.ConfigurationHistory.Current!.ContentHash);
            Assert.Equal(2, loaded.Profile.ConfigurationHistory.Current.Configuration.Vcpus);
            Assert.Equal(1000, (await store.LoadRecentAsync(profile.Id, CancellationToken.None))!.Samples.Single().UnixSeconds);
            var listed = Assert.Single(await store.ListAsync(CancellationToken.None));
            Assert.Equal(10, listed.Samples);
            Assert.Equal(1, listed.ConfigurationVersions);
        }
    }

    [Fact]
    public async Task LoadHistory_IsTheHistoryTheProfileLoadsWith_AndEmptyForAVmNotStored()
    {
        var profile = Profile("test:a");
        profile.Fold(new ConfigurationObservation(profile.Id, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), new VmConfiguration { Vcpus = 4, Memory = MemorySize.FromGiB(8) }, "grown"));
        using var store = SqliteFleetStore.Open(DbPath, clock);
        await store.SaveAsync([New(profile)], null, CancellationToken.None);

        var history = await store.LoadHistoryAsync(profile.Id, CancellationToken.None);
        var loaded = (await store.LoadAsync([profile.Id], CancellationToken.None))[profile.Id].Profile.ConfigurationHistory;
        Assert.Equal([1, 2], history.Versions.Select(v => v.Version));
        Assert.Equal(loaded.Versions.Select(v => (v.Version, v.ContentHash, v.ObservedAt, v.Cause)), history.Versions.Select(v => (v.Version, v.ContentHash, v.ObservedAt, v.Cause)));
        Assert.Equal(4, history.Current!.Configuration.Vcpus);
        Assert.Empty((await store.LoadHistoryAsync(new VmId("test:missing"), CancellationToken.None)).Versions);
    }

    [Fact]
    public async Task AHistoryOfItsLatestVersion_ExtendsTheStoredOne_ButNeverReplacesIt()
    {
        var profile = Profile("test:a");
        profile.Fold(new ConfigurationObservation(profile.Id, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), new VmConfiguration { Vcpus = 4, Memory = MemorySize.FromGiB(8) }, "grown"));
        using var store = SqliteFleetStore.Open(DbPath, clock);
        await store.SaveAsync([New(profile)], null, CancellationToken.None);

        // What a grain holds: the latest version; the version it records next is numbered on from the stored ones.
        profile.ConfigurationHistory = profile.ConfigurationHistory.Latest();
        profile.Fold(new ConfigurationObservation(profile.Id, DateTimeOffset.FromUnixTimeSeconds(1_800_000_600), new VmConfiguration { Vcpus = 8, Memory = MemorySize.FromGiB(8) }, "grown again"));
        await store.SaveAsync([new ProfileUpdate(profile, 1, [profile.ConfigurationHistory.Current!], null)], null, CancellationToken.None);
        Assert.Equal([1, 2, 3], (await store.LoadHistoryAsync(profile.Id, CancellationToken.None)).Versions.Select(v => v.Version));

        profile.ConfigurationHistory = profile.ConfigurationHistory.Latest();
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.SaveAsync([new ProfileUpdate(profile, 2, [], null) { ReplaceConfigurationHistory = true }], null, CancellationToken.None));
        Assert.Contains("lacks its first 2 versions", error.Message, StringComparison.Ordinal);
        var stored = (await store.FindAsync("test:a", CancellationToken.None))!;
        Assert.Equal(2, stored.Version);
        Assert.Equal([1, 2, 3], stored.Profile.ConfigurationHistory.Versions.Select(v => v.Version));
    }

    [Fact]
    public async Task List_NamesWithNumbers_AreInNaturalOrder()
    {
        using var store = SqliteFleetStore.Open(DbPath, clock);
        await store.SaveAsync([.. new[] { "test:10", "test:2", "test:lab-10", "test:1", "test:lab-2" }.Select(id => New(Profile(id)))], null, CancellationToken.None);
        var listed = await store.ListAsync(CancellationToken.None);
        Assert.Equal(["1", "2", "10", "lab-2", "lab-10"], listed.Select(v => v.Name));
    }

    [Fact]
    public async Task Save_StaleVersion_IsRefusedAndWritesNothing()
    {
        using var store = SqliteFleetStore.Open(DbPath, clock);
        var a = Profile("test:a");
        await store.SaveAsync([New(a)], null, CancellationToken.None);
        var first = (await store.FindAsync("test:a", CancellationToken.None))!;
        var second = (await store.FindAsync("test:a", CancellationToken.None))!;
        await store.SaveAsync([new ProfileUpdate(first.Profile, first.Version, [], null)], null, CancellationToken.None);

        // The second writer read version 1 too; its save (with a new VM beside it) must fail whole.
        var b = Profile("test:b");
        await Assert.ThrowsAsync<ConcurrencyException>(() =>
            store.SaveAsync([New(b), new ProfileUpdate(second.Profile, second.Version, [], null)], null, CancellationToken.None));
        Assert.Null(await store.FindAsync("test:b", CancellationToken.None));
        Assert.Equal(2, (await store.FindAsync("test:a", CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task Save_ImportRecordTwice_FailsWithoutTouchingProfiles()
    {
        using var store = SqliteFleetStore.Open(DbPath, clock);
        var record = new ImportRecord("abc", "/x.gz", "bitbrains", 10, 0, 0, 1, clock.GetUtcNow());
        await store.SaveAsync([New(Profile("test:a"))], record, CancellationToken.None);
        Assert.NotNull(await store.FindImportAsync("abc", CancellationToken.None));
        await Assert.ThrowsAsync<SqliteException>(() => store.SaveAsync([New(Profile("test:c"))], record, CancellationToken.None));
        Assert.Null(await store.FindAsync("test:c", CancellationToken.None));
    }

    [Fact]
    public void Open_DatabaseFromANewerVmorph_IsRefusedWithReason()
    {
        using (SqliteFleetStore.Open(DbPath, clock)) { }
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=false"))
        {
            connection.Open();
            connection.Execute("INSERT INTO schema_migrations VALUES (99, '0099_future', 'now')");
        }
        var error = Assert.Throws<InvalidOperationException>(() => SqliteFleetStore.Open(DbPath, clock));
        Assert.Contains($"schema version 99, newer than this vmorph knows ({SqliteMigrator.Scripts[^1].Version})", error.Message, StringComparison.Ordinal);
    }

    private static MetricSample Sample(int i) =>
        new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + 300L * i), cpu: new CpuCores(0.1 * i), cpuUtilisation: new Fraction(0.01 * i),
            memory: MemorySize.FromMiB(100 + i), cpuAllocated: new CpuCores(2), cpuDemand: new CpuCores(0.2 * i));

    [Fact]
    public async Task AppendedSamples_ReadBackEqualToTheWindowWrittenWhole()
    {
        using var store = SqliteFleetStore.Open(DbPath, clock);
        var a = Profile("test:a");
        var b = Profile("test:b");
        var first = new RecentSamples(capacity: 5);
        first.AddRange([Sample(0), Sample(1), Sample(2)]);
        await store.SaveAsync([New(a) with { Recent = first }, New(b) with { Recent = first }], null, CancellationToken.None);

        // a gets each newer sample appended; b has its whole window written each time.
        var whole = new RecentSamples(capacity: 5);
        whole.AddRange(first.Samples);
        for (var i = 3; i < 9; i++)
        {
            whole.AddRange([Sample(i)]);
            await store.SaveAsync(
                [new ProfileUpdate(a, i - 2, [], null) { Appended = [Sample(i)] }, new ProfileUpdate(b, i - 2, [], whole)],
                null, CancellationToken.None);
        }

        var appended = (await store.LoadRecentAsync(a.Id, CancellationToken.None))!;
        var rewritten = (await store.LoadRecentAsync(b.Id, CancellationToken.None))!;
        Assert.Equal(5, appended.Capacity);
        Assert.Equal(whole.Encode(), rewritten.Encode());
        Assert.Equal(rewritten.Encode(), appended.Encode());
        Assert.Equal(6, AppendedRows("test:a"));
    }

    [Fact]
    public async Task CompactWindow_WritesTheWindowWhole_AndKeepsNoAppendedRows()
    {
        using var store = SqliteFleetStore.Open(DbPath, clock);
        var a = Profile("test:a");
        // A new VM's first save appends too: its window has the default capacity.
        await store.SaveAsync([New(a) with { Recent = null, Appended = [Sample(0)] }], null, CancellationToken.None);
        for (var i = 1; i < 7; i++)
            await store.SaveAsync([new ProfileUpdate(a, i, [], null) { Appended = [Sample(i)] }], null, CancellationToken.None);
        await store.SaveAsync([new ProfileUpdate(a, 7, [], null) { Appended = [Sample(7)], CompactWindow = true }], null, CancellationToken.None);
        var expected = new RecentSamples();
        expected.AddRange(Enumerable.Range(0, 8).Select(Sample));

        Assert.Equal(0, AppendedRows("test:a"));
        Assert.Equal(expected.Encode(), (await store.LoadRecentAsync(a.Id, CancellationToken.None))!.Encode());
    }

    [Fact]
    public async Task Save_StaleVersion_WithAppendedSamples_IsRefusedAndAppendsNothing()
    {
        using var store = SqliteFleetStore.Open(DbPath, clock);
        var a = Profile("test:a");
        await store.SaveAsync([New(a) with { Recent = null, Appended = [Sample(0)] }], null, CancellationToken.None);
        await store.SaveAsync([new ProfileUpdate(a, 1, [], null) { Appended = [Sample(1)] }], null, CancellationToken.None);

        await Assert.ThrowsAsync<ConcurrencyException>(() =>
            store.SaveAsync([new ProfileUpdate(a, 1, [], null) { Appended = [Sample(2)], CompactWindow = true }], null, CancellationToken.None));

        Assert.Equal([Sample(0).UnixSeconds, Sample(1).UnixSeconds], (await store.LoadRecentAsync(a.Id, CancellationToken.None))!.Samples.Select(s => s.UnixSeconds));
        Assert.Equal(2, AppendedRows("test:a"));
    }

    [Fact]
    public async Task StoreOfTheFormatBeforeAppends_Opens_KeepsItsWindow_AndTakesAppends()
    {
        // A store as vmorph left it before the appended samples (schema 5): a profile and its window written whole.
        var profile = Profile("test:old");
        var window = new RecentSamples();
        window.AddRange([Sample(0), Sample(1)]);
        using (var connection = Connect())
        {
            connection.Execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
            foreach (var script in SqliteMigrator.Scripts.Where(s => s.Version <= 5)) SqliteMigrator.Apply(connection, script, clock);
            connection.Execute(
                "INSERT INTO vms (vm_id, name, source, version, samples, last_sample, profile, updated_at) VALUES ('test:old', 'old', 'test', 3, 10, NULL, @profile, 'then')",
                new { profile = ProfileCodec.Encode(profile) });
            connection.Execute("INSERT INTO raw_windows (vm_id, samples) VALUES ('test:old', @samples)", new { samples = window.Encode() });
        }

        using var store = SqliteFleetStore.Open(DbPath, clock);
        var loaded = (await store.FindAsync("test:old", CancellationToken.None))!;
        Assert.Equal(3, loaded.Version);
        Assert.Equal(window.Encode(), (await store.LoadRecentAsync(profile.Id, CancellationToken.None))!.Encode());

        await store.SaveAsync([new ProfileUpdate(loaded.Profile, 3, [], null) { Appended = [Sample(2)] }], null, CancellationToken.None);
        window.AddRange([Sample(2)]);
        Assert.Equal(window.Encode(), (await store.LoadRecentAsync(profile.Id, CancellationToken.None))!.Encode());
    }

    // Samples after those of Profile(...), with values a float would not hold exactly.
    private static MetricSample Later(int i) =>
        new(DateTimeOffset.FromUnixTimeSeconds(1_704_100_000 + 300L * i), cpu: new CpuCores(0.123456789 * (i + 1)), cpuAllocated: new CpuCores(2),
            memory: new MemorySize(1_000_000_007.3 * (i + 1)), memoryAllocated: MemorySize.FromGiB(4), diskRead: new ByteRate(12_345.678 * i));

    [Fact]
    public async Task SamplesOnly_ThenACrashBeforeTheDocumentIsWrittenAgain_LoadsTheProfileAsFoldedWithoutInterruption()
    {
        var live = Profile("test:a");
        using (var store = SqliteFleetStore.Open(DbPath, clock))
        {
            await store.SaveAsync([New(live) with { Recent = null }], null, CancellationToken.None);
            for (var i = 0; i < 6; i++)
            {
                live.Fold(Later(i));
                await store.SaveAsync([new ProfileUpdate(live, 1, [], null) { Appended = [Later(i)], SamplesOnly = true }], null, CancellationToken.None);
            }
        } // the process ends here: the document written is still the first save's, without the six samples

        using (var connection = Connect())
        {
            var document = ProfileCodec.Decode(connection.ExecuteScalar<byte[]>("SELECT profile FROM vms WHERE vm_id = 'test:a'")!);
            Assert.Equal(10, document.Performance.Samples);
        }
        using var reopened = SqliteFleetStore.Open(DbPath, clock);
        var loaded = (await reopened.LoadAsync([live.Id], CancellationToken.None))[live.Id];
        Assert.Equal(1, loaded.Version);
        Assert.Equal(ProfileCodec.Encode(live), ProfileCodec.Encode(loaded.Profile));
        var listed = Assert.Single(await reopened.ListAsync(CancellationToken.None));
        Assert.Equal(16, listed.Samples);
        Assert.Equal(Later(5).At, listed.LastSample);

        // Saved whole again from what was loaded, the profile goes on as if it had never stopped.
        var next = loaded.Profile;
        next.Fold(Later(6));
        live.Fold(Later(6));
        await reopened.SaveAsync([new ProfileUpdate(next, 1, [], null) { Appended = [Later(6)] }], null, CancellationToken.None);
        Assert.Equal(ProfileCodec.Encode(live), ProfileCodec.Encode((await reopened.LoadAsync([live.Id], CancellationToken.None))[live.Id].Profile));
        Assert.Equal(17, Assert.Single(await reopened.ListAsync(CancellationToken.None)).Samples);
    }

    [Fact]
    public async Task SamplesOnly_StaleVersion_IsRefusedAndAppendsNothing()
    {
        using var store = SqliteFleetStore.Open(DbPath, clock);
        var a = Profile("test:a");
        await store.SaveAsync([New(a) with { Recent = null }], null, CancellationToken.None);
        await store.SaveAsync([new ProfileUpdate(a, 1, [], null) { Appended = [Later(0)], SamplesOnly = true }], null, CancellationToken.None);
        // Another writer (a morph recording its configuration) saves the whole profile.
        await store.SaveAsync([new ProfileUpdate(a, 1, [], null)], null, CancellationToken.None);

        await Assert.ThrowsAsync<ConcurrencyException>(() =>
            store.SaveAsync([new ProfileUpdate(a, 1, [], null) { Appended = [Later(1)], SamplesOnly = true }], null, CancellationToken.None));

        Assert.Equal(1, AppendedRows("test:a"));
        Assert.Equal(2, (await store.FindAsync("test:a", CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task SamplesOnly_ForWhatNeedsTheDocument_IsRefusedNamingTheVm()
    {
        using var store = SqliteFleetStore.Open(DbPath, clock);
        var a = Profile("test:a");
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.SaveAsync([New(a) with { Recent = null, Appended = [Later(0)], SamplesOnly = true }], null, CancellationToken.None));
        Assert.Contains("VM test:a", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    private long AppendedRows(string vm)
    {
        using var connection = Connect();
        return connection.ExecuteScalar<long>("SELECT count(*) FROM raw_window_appends WHERE vm_id = @vm", new { vm });
    }
}
