using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;
using Vmorph.Guard;
using Vmorph.Identity;
using Vmorph.Morphing;
using Vmorph.Morphs;

namespace Vmorph.Storage.Sqlite;

/// <summary>
/// <see cref="IMorphJournal"/> in the same SQLite file as the fleet store (WAL, its own connection): morph records,
/// journals appended in <c>BEGIN IMMEDIATE</c> transactions that check the last sequence, and leases written with
/// compare-and-swap on their version, so two processes (two <c>vmorph apply</c> at once) never both win.
/// </summary>
public sealed class SqliteMorphJournal : IMorphJournal
{
    private static readonly JsonSerializerOptions Json = MorphJournalEntry.JsonOptions;
    private readonly SqliteConnection connection;
    // The statements every morph runs (its entries, its lease, what it measured), parsed once.
    private readonly PreparedStatements prepared;

    private SqliteMorphJournal(SqliteConnection connection, string path)
    {
        this.connection = connection;
        prepared = new PreparedStatements(connection);
        Location = path;
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <summary>Opens (creating and migrating if needed) the journal in the store file at <paramref name="path"/>.</summary>
    /// <param name="path">The store file.</param>
    /// <param name="clock">The clock of the migrations.</param>
    /// <param name="syncEveryCommit">
    /// Whether every commit is synced to disk before it returns (<c>synchronous=FULL</c>), so that an entry survives
    /// a power cut before its actions run: always, for real VMs. False only for a replayed fleet (<c>serve
    /// --replay</c>), whose VMs are simulated in the same process and lost with it: its commits survive a crash of the
    /// process (WAL) but not of the machine, which would lose the simulated VMs they describe as well.
    /// </param>
    public static SqliteMorphJournal Open(string path, TimeProvider clock, bool syncEveryCommit = true)
    {
        var connection = StoreFile.OpenMigrated(path, clock, durable: syncEveryCommit);
        return new SqliteMorphJournal(connection, path);
    }

    /// <summary>Whether the connection syncs every commit to disk (<c>PRAGMA synchronous</c> is FULL).</summary>
    internal bool SyncsEveryCommit => connection.ExecuteScalar<long>("PRAGMA synchronous") >= 2;

    private static string Text(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static string Phase(MorphPhase phase) => JsonNamingPolicy.KebabCaseLower.ConvertName(phase.ToString());

    // The event's type as its JSON names it ([JsonDerivedType] on MorphEvent), read once per type.
    private static readonly Dictionary<Type, string> EventNames = typeof(MorphEvent).GetCustomAttributes(typeof(JsonDerivedTypeAttribute), inherit: false)
        .Cast<JsonDerivedTypeAttribute>()
        .Where(a => a.TypeDiscriminator is string)
        .ToDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    private static string EventName(MorphEvent e) => EventNames.TryGetValue(e.GetType(), out var name) ? name : e.GetType().Name;

    private static bool IsFinished(MorphState s) => s.Phase.IsTerminal() && s.Finalized;

    /// <inheritdoc />
    public Task CreateAsync(MorphRecord morph, MorphJournalEntry first, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (first.Sequence != 1 || first.MorphId != morph.MorphId) throw new ArgumentException($"the first entry of morph {morph.MorphId} must have sequence 1 and its id", nameof(first));
        using var transaction = connection.BeginTransaction(deferred: false);
        try
        {
            prepared.Execute(
                """
                INSERT INTO morphs (morph_id, vm_id, vm_name, kind, target, plan_id, plan, created_at, owner, phase, last_sequence, finished, updated_at, notes)
                VALUES (@MorphId, @vm, @VmName, @kind, @Target, @PlanId, @PlanJson, @created, @Owner, @phase, 1, @finished, @created, @Notes)
                """,
                transaction,
                ("@MorphId", morph.MorphId), ("@vm", morph.Vm.Value), ("@VmName", morph.VmName), ("@kind", morph.Kind == MorphKind.Apply ? "apply" : "rollback"),
                ("@Target", morph.Target), ("@PlanId", morph.PlanId), ("@PlanJson", morph.PlanJson), ("@created", Text(morph.CreatedAt)), ("@Owner", morph.Owner),
                ("@phase", Phase(first.State.Phase)), ("@finished", IsFinished(first.State) ? 1 : 0), ("@Notes", morph.Notes));
            InsertEntry(first, transaction);
            transaction.Commit();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new JournalConflictException($"morph {morph.MorphId} exists already");
        }
        return Task.CompletedTask;
    }

    private void InsertEntry(MorphJournalEntry entry, SqliteTransaction transaction) =>
        prepared.Execute(
            "INSERT INTO morph_journal (morph_id, sequence, at, event, phase, entry) VALUES (@morph, @sequence, @at, @event, @phase, @entry)",
            transaction,
            ("@morph", entry.MorphId), ("@sequence", entry.Sequence), ("@at", Text(entry.At)), ("@event", EventName(entry.Event)), ("@phase", Phase(entry.State.Phase)), ("@entry", entry.ToJson()));

    /// <inheritdoc />
    public Task AppendAsync(MorphJournalEntry entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // BEGIN IMMEDIATE: the check of the last sequence and the insert happen under the write lock.
        using var transaction = connection.BeginTransaction(deferred: false);
        var last = (long?)prepared.Scalar("SELECT last_sequence FROM morphs WHERE morph_id = @id", transaction, ("@id", entry.MorphId))
            ?? throw new JournalConflictException($"morph {entry.MorphId} is not in the journal");
        if (last != entry.Sequence - 1)
            throw new JournalConflictException($"morph {entry.MorphId}: entry {entry.Sequence} does not follow entry {last}; another engine advanced this morph");
        try
        {
            InsertEntry(entry, transaction);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new JournalConflictException($"morph {entry.MorphId}: entry {entry.Sequence} exists already; another engine advanced this morph");
        }
        prepared.Execute(
            "UPDATE morphs SET last_sequence = @sequence, phase = @phase, finished = @finished, updated_at = @at WHERE morph_id = @id",
            transaction, ("@sequence", entry.Sequence), ("@phase", Phase(entry.State.Phase)), ("@finished", IsFinished(entry.State) ? 1 : 0), ("@at", Text(entry.At)), ("@id", entry.MorphId));
        transaction.Commit();
        return Task.CompletedTask;
    }

    private sealed record Row(
        string morph_id, string vm_id, string vm_name, string kind, string target, string plan_id, string plan, string created_at, string owner,
        string phase, long last_sequence, long finished, string updated_at, string? baseline, string? verdict, string? discarded, long? committed_version, string? notes);

    private const string Columns = "morph_id, vm_id, vm_name, kind, target, plan_id, plan, created_at, owner, phase, last_sequence, finished, updated_at, baseline, verdict, discarded, committed_version, notes";

    private static MorphRecord Map(Row r) => new()
    {
        MorphId = r.morph_id,
        Vm = new VmId(r.vm_id),
        VmName = r.vm_name,
        Kind = r.kind == "rollback" ? MorphKind.Rollback : MorphKind.Apply,
        Target = r.target,
        PlanId = r.plan_id,
        PlanJson = r.plan,
        CreatedAt = Time(r.created_at),
        Owner = r.owner,
        Phase = Enum.GetValues<MorphPhase>().First(p => Phase(p) == r.phase),
        LastSequence = r.last_sequence,
        Finished = r.finished != 0,
        UpdatedAt = Time(r.updated_at),
        Baseline = r.baseline is null ? null : JsonSerializer.Deserialize<MorphBaseline>(r.baseline, Json),
        Verdict = r.verdict is null ? null : JsonSerializer.Deserialize<GuardVerdict>(r.verdict, Json),
        Discarded = r.discarded,
        CommittedVersion = r.committed_version is { } v ? (int)v : null,
        Notes = r.notes,
    };

    /// <inheritdoc />
    public Task<MorphRecord?> FindAsync(string morphId, CancellationToken cancellationToken)
    {
        var row = connection.QueryFirstOrDefault<Row>($"SELECT {Columns} FROM morphs WHERE morph_id = @morphId", new { morphId });
        if (row is null)
        {
            var matches = connection.Query<Row>($"SELECT {Columns} FROM morphs WHERE morph_id LIKE @prefix ESCAPE '\\' LIMIT 2",
                new { prefix = morphId.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%" }).ToList();
            row = matches.Count == 1 ? matches[0] : null;
        }
        return Task.FromResult(row is null ? null : Map(row));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MorphJournalEntry>> ReadAsync(string morphId, CancellationToken cancellationToken)
    {
        var entries = connection.Query<(long Sequence, string Entry)>("SELECT sequence, entry FROM morph_journal WHERE morph_id = @morphId ORDER BY sequence", new { morphId })
            .Select(r =>
            {
                var parsed = MorphJournalEntry.FromJson(r.Entry);
                return parsed.IsSuccess ? parsed.Value : throw new InvalidDataException($"{Location}: morph {morphId}, journal entry {r.Sequence}: {string.Join("; ", parsed.Errors)}");
            })
            .ToList();
        return Task.FromResult<IReadOnlyList<MorphJournalEntry>>(entries);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MorphRecord>> ListAsync(VmId vm, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<MorphRecord>>(connection.Query<Row>($"SELECT {Columns} FROM morphs WHERE vm_id = @vm ORDER BY created_at, morph_id", new { vm = vm.Value }).Select(Map).ToList());

    /// <inheritdoc />
    public Task<IReadOnlyList<MorphRecord>> UnfinishedAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<MorphRecord>>(connection.Query<Row>($"SELECT {Columns} FROM morphs WHERE finished = 0 ORDER BY created_at, morph_id").Select(Map).ToList());

    private Task Set(string morphId, string column, object? value)
    {
        var changed = prepared.Execute($"UPDATE morphs SET {column} = @value WHERE morph_id = @morphId", null, ("@value", value), ("@morphId", morphId));
        if (changed == 0) throw new JournalConflictException($"morph {morphId} is not in the journal");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetBaselineAsync(string morphId, MorphBaseline baseline, CancellationToken cancellationToken) => Set(morphId, "baseline", JsonSerializer.Serialize(baseline, Json));

    /// <inheritdoc />
    public Task SetVerdictAsync(string morphId, GuardVerdict verdict, CancellationToken cancellationToken) => Set(morphId, "verdict", JsonSerializer.Serialize(verdict, Json));

    /// <inheritdoc />
    public Task SetDiscardedAsync(string morphId, string discarded, CancellationToken cancellationToken) => Set(morphId, "discarded", discarded);

    /// <inheritdoc />
    public Task SetCommittedVersionAsync(string morphId, int version, CancellationToken cancellationToken) => Set(morphId, "committed_version", version);

    /// <inheritdoc />
    public Task<MorphLease?> LeaseAsync(VmId vm, CancellationToken cancellationToken)
    {
        var row = connection.QueryFirstOrDefault<(string MorphId, string Owner, string Expires, long Version)?>(
            "SELECT morph_id, owner, expires_at, version FROM morph_leases WHERE vm_id = @vm", new { vm = vm.Value });
        return Task.FromResult(row is { } r ? new MorphLease(vm, r.MorphId, r.Owner, Time(r.Expires), r.Version) : null);
    }

    /// <inheritdoc />
    public Task<bool> TryWriteLeaseAsync(MorphLease lease, long? expectedVersion, CancellationToken cancellationToken)
    {
        var written = expectedVersion is null
            ? prepared.Execute(
                "INSERT INTO morph_leases (vm_id, morph_id, owner, expires_at, version) VALUES (@vm, @morph, @owner, @expires, @version) ON CONFLICT (vm_id) DO NOTHING",
                null, ("@vm", lease.Vm.Value), ("@morph", lease.MorphId), ("@owner", lease.Owner), ("@expires", Text(lease.Expires)), ("@version", lease.Version))
            : prepared.Execute(
                "UPDATE morph_leases SET morph_id = @morph, owner = @owner, expires_at = @expires, version = @version WHERE vm_id = @vm AND version = @expected",
                null, ("@morph", lease.MorphId), ("@owner", lease.Owner), ("@expires", Text(lease.Expires)), ("@version", lease.Version), ("@vm", lease.Vm.Value), ("@expected", expectedVersion));
        return Task.FromResult(written == 1);
    }

    /// <inheritdoc />
    public Task<bool> TryDeleteLeaseAsync(VmId vm, string morphId, long expectedVersion, CancellationToken cancellationToken) =>
        Task.FromResult(prepared.Execute("DELETE FROM morph_leases WHERE vm_id = @vm AND morph_id = @morphId AND version = @expectedVersion",
            null, ("@vm", vm.Value), ("@morphId", morphId), ("@expectedVersion", expectedVersion)) == 1);

    /// <inheritdoc />
    public void Dispose()
    {
        prepared.Dispose();
        connection.Dispose();
    }
}
