using Microsoft.Extensions.Time.Testing;
using Vmorph.Guard;
using Vmorph.Identity;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Storage.Tests.Sqlite;

public sealed class SqliteMorphJournalTests : IDisposable
{
    private static readonly VmId Vm = new("c625fa47-6dd7-4a05-9e4d-5c59bd5a234f");
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-journal-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    private string DbPath => Path.Combine(directory, "vmorph.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static MorphDefinition Definition(string id) => new()
    {
        MorphId = id,
        Vm = Vm,
        PlanId = "a8116a83100abc0b",
        BaseHash = new string('b', 64),
        ExpectedHash = new string('e', 64),
        Steps = [new StepOutline(1, StepKind.SetMemory, StepMode.Live, StepMode.Live, InverseMechanism.Step)],
        SnapshotRequired = false,
        ObservationWindow = TimeSpan.FromSeconds(30),
    };

    private MorphRecord Record(string id) => new()
    {
        MorphId = id,
        Vm = Vm,
        VmName = "lab-1",
        Kind = MorphKind.Apply,
        Target = "web-server",
        PlanId = "a8116a83100abc0b",
        PlanJson = "{}",
        CreatedAt = clock.GetUtcNow(),
        Owner = "host/1/1",
    };

    private async Task<MorphJournalEntry> CreateAsync(SqliteMorphJournal journal, string id)
    {
        var first = MorphJournalEntry.First(Definition(id), clock.GetUtcNow());
        await journal.CreateAsync(Record(id), first, CancellationToken.None);
        return first;
    }

    [Fact]
    public async Task Journal_EntriesAppendedInOrder_AreReadBackWithTheRecordFollowingTheLastOne()
    {
        using var journal = SqliteMorphJournal.Open(DbPath, clock);
        var first = await CreateAsync(journal, "m1");
        var started = first.Next(new MorphStarted(clock.GetUtcNow()));
        await journal.AppendAsync(started, CancellationToken.None);
        var applied = started.Next(new StepApplied(clock.GetUtcNow().AddSeconds(1), 1));
        await journal.AppendAsync(applied, CancellationToken.None);

        var entries = await journal.ReadAsync("m1", CancellationToken.None);
        Assert.Equal([1L, 2, 3], entries.Select(e => e.Sequence));
        Assert.Equal(MorphPhase.Observing, entries[^1].State.Phase);
        Assert.IsType<StepApplied>(entries[^1].Event);
        var record = (await journal.FindAsync("m1", CancellationToken.None))!;
        Assert.Equal(MorphPhase.Observing, record.Phase);
        Assert.Equal(3, record.LastSequence);
        Assert.False(record.Finished);
        Assert.Equal(["m1"], (await journal.UnfinishedAsync(CancellationToken.None)).Select(m => m.MorphId));
        Assert.Equal("m1", (await journal.FindAsync("m", CancellationToken.None))?.MorphId);
    }

    [Fact]
    public async Task Append_OutOfSequence_IsAConflictAndWritesNothing()
    {
        using var journal = SqliteMorphJournal.Open(DbPath, clock);
        var first = await CreateAsync(journal, "m1");
        var started = first.Next(new MorphStarted(clock.GetUtcNow()));
        var skipped = started.Next(new StepApplied(clock.GetUtcNow(), 1));
        await Assert.ThrowsAsync<JournalConflictException>(() => journal.AppendAsync(skipped, CancellationToken.None));
        await journal.AppendAsync(started, CancellationToken.None);
        await Assert.ThrowsAsync<JournalConflictException>(() => journal.AppendAsync(started, CancellationToken.None));
        Assert.Equal(2, (await journal.ReadAsync("m1", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Append_SameEntryFromTwoConnectionsAtOnce_ExactlyOneWins()
    {
        for (var round = 0; round < 10; round++)
        {
            MorphJournalEntry first;
            using (var setup = SqliteMorphJournal.Open(DbPath, clock)) first = await CreateAsync(setup, $"m{round}");
            using var a = SqliteMorphJournal.Open(DbPath, clock);
            using var b = SqliteMorphJournal.Open(DbPath, clock);
            var next = first.Next(new MorphStarted(clock.GetUtcNow()));
            var results = await Task.WhenAll(Try(a, next), Try(b, next));
            Assert.Equal(1, results.Count(ok => ok));
            Assert.Equal(2, (await a.ReadAsync($"m{round}", CancellationToken.None)).Count);
        }

        static async Task<bool> Try(SqliteMorphJournal journal, MorphJournalEntry entry)
        {
            await Task.Yield();
            try
            {
                await journal.AppendAsync(entry, CancellationToken.None);
                return true;
            }
            catch (JournalConflictException)
            {
                return false;
            }
        }
    }

    [Fact]
    public async Task Lease_AcquiredConcurrentlyFromTwoConnections_GoesToExactlyOneAndTheOtherLearnsTheHolder()
    {
        using (SqliteMorphJournal.Open(DbPath, clock)) { }
        for (var round = 0; round < 20; round++)
        {
            using var a = SqliteMorphJournal.Open(DbPath, clock);
            using var b = SqliteMorphJournal.Open(DbPath, clock);
            var results = await Task.WhenAll(Acquire(a, $"a{round}", "host/1/1"), Acquire(b, $"b{round}", "host/2/2"));
            Assert.Single(results, r => r.IsSuccess);
            var refusal = Assert.Single(results, r => !r.IsSuccess);
            var holder = (await a.LeaseAsync(Vm, CancellationToken.None))!;
            Assert.Contains($"morph {holder.MorphId}", refusal.Errors[0], StringComparison.Ordinal);
            Assert.True(await a.TryDeleteLeaseAsync(Vm, holder.MorphId, holder.Version, CancellationToken.None));
        }

        async Task<Result<MorphLease>> Acquire(SqliteMorphJournal journal, string morph, string owner)
        {
            await Task.Yield();
            var existing = await journal.LeaseAsync(Vm, CancellationToken.None);
            var wanted = MorphLease.Acquire(existing, Vm, morph, owner, clock.GetUtcNow(), TimeSpan.FromSeconds(30));
            if (!wanted.IsSuccess) return wanted;
            if (await journal.TryWriteLeaseAsync(wanted.Value, existing?.Version, CancellationToken.None)) return wanted;
            // Lost the compare-and-swap: read the winner and be refused by the rules, naming it.
            var holder = await journal.LeaseAsync(Vm, CancellationToken.None);
            return MorphLease.Acquire(holder, Vm, morph, owner, clock.GetUtcNow(), TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task Lease_WrittenOrDeletedWithAStaleVersion_IsRefused()
    {
        using var journal = SqliteMorphJournal.Open(DbPath, clock);
        var lease = new MorphLease(Vm, "m1", "host/1/1", clock.GetUtcNow().AddSeconds(30), 1);
        Assert.True(await journal.TryWriteLeaseAsync(lease, null, CancellationToken.None));
        Assert.False(await journal.TryWriteLeaseAsync(lease with { MorphId = "m2" }, null, CancellationToken.None));
        var renewed = lease.Renew("host/1/1", clock.GetUtcNow(), TimeSpan.FromSeconds(30)).Value;
        Assert.True(await journal.TryWriteLeaseAsync(renewed, 1, CancellationToken.None));
        Assert.False(await journal.TryWriteLeaseAsync(renewed with { Version = 3 }, 1, CancellationToken.None));
        Assert.False(await journal.TryDeleteLeaseAsync(Vm, "m1", 1, CancellationToken.None));
        Assert.False(await journal.TryDeleteLeaseAsync(Vm, "m2", 2, CancellationToken.None));
        Assert.Equal(2, (await journal.LeaseAsync(Vm, CancellationToken.None))!.Version);
        Assert.True(await journal.TryDeleteLeaseAsync(Vm, "m1", 2, CancellationToken.None));
        Assert.Null(await journal.LeaseAsync(Vm, CancellationToken.None));
    }

    [Fact]
    public async Task Record_BaselineVerdictAndOutcome_RoundTrip()
    {
        using var journal = SqliteMorphJournal.Open(DbPath, clock);
        await CreateAsync(journal, "m1");
        var at = clock.GetUtcNow();
        var samples = Enumerable.Range(0, 12).Select(i => new GuardSample { At = at.AddSeconds(i), CpuUtilisation = 0.1, DiskThroughputBytesPerSecond = 5e6 }).ToList();
        await journal.SetBaselineAsync("m1", new MorphBaseline(at, at.AddSeconds(12), TimeSpan.FromSeconds(1), samples, [new ProbeResult(at, true, TimeSpan.FromMilliseconds(3))]), CancellationToken.None);
        var verdict = DegradationGuard.Judge(samples, samples);
        await journal.SetVerdictAsync("m1", verdict, CancellationToken.None);
        await journal.SetDiscardedAsync("m1", "everything since the snapshot", CancellationToken.None);
        await journal.SetCommittedVersionAsync("m1", 7, CancellationToken.None);

        var record = (await journal.FindAsync("m1", CancellationToken.None))!;
        Assert.Equal(12, record.Baseline!.Samples.Count);
        Assert.Equal(TimeSpan.FromSeconds(1), record.Baseline.SampleInterval);
        Assert.Equal(5e6, record.Baseline.Samples[3].DiskThroughputBytesPerSecond);
        Assert.True(record.Baseline.Probes[0].Success);
        Assert.Equal(verdict.Decision, record.Verdict!.Decision);
        Assert.Equal(verdict.Reason, record.Verdict.Reason);
        Assert.Equal(verdict.Signals.Length, record.Verdict.Signals.Length);
        Assert.Equal("everything since the snapshot", record.Discarded);
        Assert.Equal(7, record.CommittedVersion);
    }

    [Fact]
    public async Task Unfinished_ListsMorphsUntilTheirTerminalStateIsFinalized()
    {
        using var journal = SqliteMorphJournal.Open(DbPath, clock);
        var first = await CreateAsync(journal, "m1");
        var cancelled = first.Next(new RollbackRequested(clock.GetUtcNow(), "test"));
        await journal.AppendAsync(cancelled, CancellationToken.None);
        Assert.Single(await journal.UnfinishedAsync(CancellationToken.None));
        await journal.AppendAsync(cancelled.Next(new Finalized(clock.GetUtcNow())), CancellationToken.None);
        Assert.Empty(await journal.UnfinishedAsync(CancellationToken.None));
        var record = (await journal.FindAsync("m1", CancellationToken.None))!;
        Assert.True(record.Finished);
        Assert.Equal(MorphPhase.RolledBack, record.Phase);
        Assert.Single(await journal.ListAsync(Vm, CancellationToken.None));
    }

    [Fact]
    public async Task Journal_OfAReplay_IsNotSyncedOnEveryCommit_OfRealVmsItIs_AndBothReadTheSameEntries()
    {
        using var live = SqliteMorphJournal.Open(DbPath, clock);
        using var replay = SqliteMorphJournal.Open(DbPath, clock, syncEveryCommit: false);
        Assert.True(live.SyncsEveryCommit);
        Assert.False(replay.SyncsEveryCommit);

        var first = await CreateAsync(replay, "m1");
        await replay.AppendAsync(first.Next(new MorphStarted(clock.GetUtcNow())), CancellationToken.None);
        Assert.Equal([1L, 2], (await live.ReadAsync("m1", CancellationToken.None)).Select(e => e.Sequence));
        Assert.Equal(2, (await live.FindAsync("m1", CancellationToken.None))!.LastSequence);
    }

    [Fact]
    public async Task EventColumn_NamesEachEntrysEventAsItsJsonDoes()
    {
        using var journal = SqliteMorphJournal.Open(DbPath, clock);
        var entry = await CreateAsync(journal, "m1");
        MorphEvent[] events = [new MorphStarted(clock.GetUtcNow()), new StepApplied(clock.GetUtcNow(), 1), new RollbackRequested(clock.GetUtcNow(), "test")];
        foreach (var e in events)
        {
            entry = entry.Next(e);
            await journal.AppendAsync(entry, CancellationToken.None);
        }

        using var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False");
        reader.Open();
        using var query = reader.CreateCommand();
        query.CommandText = "SELECT event, entry FROM morph_journal WHERE morph_id = 'm1' ORDER BY sequence";
        using var rows = query.ExecuteReader();
        var names = new List<string>();
        while (rows.Read())
        {
            using var json = System.Text.Json.JsonDocument.Parse(rows.GetString(1));
            Assert.Equal(json.RootElement.GetProperty("event").GetProperty("type").GetString(), rows.GetString(0));
            names.Add(rows.GetString(0));
        }
        Assert.Equal(["created", "started", "step-applied", "rollback-requested"], names);
    }

    [Fact]
    public async Task StatementsKeptPrepared_RunAgainInsideAndOutsideTransactions_WithTheirNewValues()
    {
        using var journal = SqliteMorphJournal.Open(DbPath, clock);
        // The same statements, each run several times on one connection: appends (in a transaction) between lease
        // writes and record updates (outside one), with values that change and a null.
        var first = await CreateAsync(journal, "m1");
        var entry = first;
        for (var round = 1; round <= 3; round++)
        {
            var lease = new MorphLease(Vm, $"m{round}", "host/1/1", clock.GetUtcNow().AddSeconds(30 * round), 1);
            Assert.True(await journal.TryWriteLeaseAsync(lease, null, CancellationToken.None));
            Assert.True(await journal.TryWriteLeaseAsync(lease with { Version = 2 }, 1, CancellationToken.None));
            entry = entry.Next(round switch
            {
                1 => new MorphStarted(clock.GetUtcNow()),
                2 => new StepApplied(clock.GetUtcNow(), 1),
                _ => new RollbackRequested(clock.GetUtcNow(), "test"),
            });
            await journal.AppendAsync(entry, CancellationToken.None);
            await journal.SetDiscardedAsync("m1", $"round {round}", CancellationToken.None);
            Assert.Equal(($"m{round}", 2L), (await journal.LeaseAsync(Vm, CancellationToken.None)) is { } l ? (l.MorphId, l.Version) : default);
            Assert.False(await journal.TryDeleteLeaseAsync(Vm, $"m{round}", 1, CancellationToken.None));
            Assert.True(await journal.TryDeleteLeaseAsync(Vm, $"m{round}", 2, CancellationToken.None));
        }
        await CreateAsync(journal, "m2");

        var record = (await journal.FindAsync("m1", CancellationToken.None))!;
        Assert.Equal(4, record.LastSequence);
        Assert.Equal("round 3", record.Discarded);
        Assert.Null(record.Notes);
        Assert.Equal([1L, 2, 3, 4], (await journal.ReadAsync("m1", CancellationToken.None)).Select(e => e.Sequence));
        Assert.Equal(1, (await journal.FindAsync("m2", CancellationToken.None))!.LastSequence);
        Assert.Null(await journal.LeaseAsync(Vm, CancellationToken.None));
    }
}
