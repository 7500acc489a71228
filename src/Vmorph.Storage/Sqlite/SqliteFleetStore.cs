using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Import;
using Vmorph.Profiles;
using Vmorph.Store;

namespace Vmorph.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode, created and migrated on first use. Every save is one transaction
/// checked against the versions the profiles were loaded at.
/// </summary>
public sealed class SqliteFleetStore : IFleetStore
{
    private readonly SqliteConnection connection;
    private readonly TimeProvider clock;
    // The statements of every cycle's samples-only saves (one version read and one append a VM).
    private readonly PreparedStatements prepared;

    private SqliteFleetStore(SqliteConnection connection, string path, TimeProvider clock)
    {
        this.connection = connection;
        this.clock = clock;
        prepared = new PreparedStatements(connection);
        Location = path;
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <summary>Opens (creating and migrating if needed) the store in a file.</summary>
    public static SqliteFleetStore Open(string path, TimeProvider clock)
    {
        var connection = StoreFile.OpenMigrated(path, clock, durable: false);
        return new SqliteFleetStore(connection, path, clock);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<VmSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = connection.Query<(string Id, string Name, string Source, long Samples, long? LastSample, long Versions)>(
            """
            SELECT v.vm_id, v.name, v.source,
                   v.samples + (SELECT COUNT(*) FROM raw_window_appends a WHERE a.vm_id = v.vm_id AND a.unix_seconds > coalesce(v.last_sample, -9223372036854775808)),
                   max(coalesce(v.last_sample, -9223372036854775808), coalesce((SELECT MAX(a.unix_seconds) FROM raw_window_appends a WHERE a.vm_id = v.vm_id), -9223372036854775808)),
                   (SELECT COUNT(*) FROM configuration_versions c WHERE c.vm_id = v.vm_id)
            FROM vms v
            """);
        // Natural order (1, 2, 10; lab-2 before lab-10), which SQLite's collations cannot give.
        // The samples appended after the document (ProfileUpdate.SamplesOnly) count as loading folds them.
        IReadOnlyList<VmSummary> list = rows.Select(r => new VmSummary(new VmId(r.Id), r.Name, r.Source, r.Samples,
                r.LastSample is { } t && t != long.MinValue ? DateTimeOffset.FromUnixTimeSeconds(t) : null, (int)r.Versions))
            .OrderBy(v => v.Name, NaturalStringComparer.Instance)
            .ThenBy(v => v.Id.Value, NaturalStringComparer.Instance)
            .ToList();
        return Task.FromResult(list);
    }

    /// <inheritdoc />
    /// <remarks>A name can belong to several VMs over time (a lab guest defined again gets a new UUID): the most recently updated wins.</remarks>
    public async Task<StoredProfile?> FindAsync(string idOrName, CancellationToken cancellationToken)
    {
        var id = connection.QueryFirstOrDefault<string>("SELECT vm_id FROM vms WHERE vm_id = @idOrName", new { idOrName })
            ?? connection.QueryFirstOrDefault<string>("SELECT vm_id FROM vms WHERE name = @idOrName ORDER BY updated_at DESC, vm_id", new { idOrName });
        if (id is null) return null;
        var loaded = await LoadAsync([new VmId(id)], cancellationToken);
        return loaded.Values.FirstOrDefault();
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<VmId, StoredProfile>> LoadAsync(IEnumerable<VmId> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<VmId, StoredProfile>();
        foreach (var id in ids.Distinct())
        {
            var row = connection.QueryFirstOrDefault<(byte[] Profile, long Version)>(
                "SELECT profile, version FROM vms WHERE vm_id = @id", new { id = id.Value });
            if (row.Profile is null) continue;
            var profile = ProfileCodec.Decode(row.Profile);
            profile.ConfigurationHistory = LoadHistory(id);
            FoldSamplesAfterDocument(profile);
            result[id] = new StoredProfile(profile, row.Version);
        }
        return Task.FromResult<IReadOnlyDictionary<VmId, StoredProfile>>(result);
    }

    // The decide loop writes a profile's document every few cycles and appends each sample (ProfileUpdate.SamplesOnly):
    // the samples appended after the document was written are folded into it again, in time order, as they were live.
    private void FoldSamplesAfterDocument(PersonalityProfile profile)
    {
        var newer = connection.Query<byte[]>(
            "SELECT sample FROM raw_window_appends WHERE vm_id = @id AND unix_seconds > @after ORDER BY unix_seconds",
            new { id = profile.Id.Value, after = profile.Performance.LastUnixSeconds ?? long.MinValue });
        foreach (var record in newer) profile.Fold(RecentSamples.DecodeSample(record));
    }

    private ConfigurationHistory LoadHistory(VmId id)
    {
        var rows = connection.Query<(long Version, string Hash, string ObservedAt, string Cause, string Configuration, string Changes, string? SeenAgain)>(
            "SELECT version, content_hash, observed_at, cause, configuration, changes, seen_again FROM configuration_versions WHERE vm_id = @id ORDER BY version",
            new { id = id.Value });
        var versions = rows.Select(r => new ConfigurationVersion(
            (int)r.Version,
            r.Hash,
            DateTimeOffset.Parse(r.ObservedAt, CultureInfo.InvariantCulture),
            r.Cause,
            JsonSerializer.Deserialize<VmConfiguration>(r.Configuration, ProfileCodec.JsonOptions)!,
            JsonSerializer.Deserialize<List<ConfigurationChange>>(r.Changes, ProfileCodec.JsonOptions)!)
        {
            SeenAgain = r.SeenAgain is null ? [] : [.. JsonSerializer.Deserialize<List<string>>(r.SeenAgain, ProfileCodec.JsonOptions)!.Select(t => DateTimeOffset.Parse(t, CultureInfo.InvariantCulture))],
        });
        return new ConfigurationHistory([.. versions]);
    }

    /// <inheritdoc />
    public Task<ConfigurationHistory> LoadHistoryAsync(VmId id, CancellationToken cancellationToken) => Task.FromResult(LoadHistory(id));

    /// <inheritdoc />
    public Task<RecentSamples?> LoadRecentAsync(VmId id, CancellationToken cancellationToken)
    {
        return Task.FromResult(ReadWindow(id.Value, null));
    }

    // The window written last, with the samples appended since (the newest of its capacity).
    private RecentSamples? ReadWindow(string id, SqliteTransaction? transaction)
    {
        var bytes = connection.QueryFirstOrDefault<byte[]>("SELECT samples FROM raw_windows WHERE vm_id = @id", new { id }, transaction);
        var appended = connection.Query<byte[]>("SELECT sample FROM raw_window_appends WHERE vm_id = @id ORDER BY unix_seconds", new { id }, transaction).AsList();
        if (bytes is null && appended.Count == 0) return null;
        var window = bytes is null ? new RecentSamples() : RecentSamples.Decode(bytes);
        window.AddRange(appended.Select(record => RecentSamples.DecodeSample(record)));
        return window;
    }

    /// <inheritdoc />
    public Task<ImportedSpans> LoadSpansAsync(VmId id, CancellationToken cancellationToken)
    {
        var bytes = connection.QueryFirstOrDefault<byte[]>("SELECT spans FROM imported_spans WHERE vm_id = @id", new { id = id.Value });
        return Task.FromResult(bytes is null ? ImportedSpans.None : ImportedSpans.Decode(bytes));
    }

    /// <inheritdoc />
    public Task<ImportRecord?> FindImportAsync(string sha256, CancellationToken cancellationToken)
    {
        var row = connection.QueryFirstOrDefault<(string Sha, string Path, string Format, long Rows, long Missing, long Skipped, long Vms, string At)?>(
            "SELECT sha256, path, format, rows, missing_rows, skipped_rows, vms, imported_at FROM imported_files WHERE sha256 = @sha256", new { sha256 });
        return Task.FromResult(row is { } r
            ? new ImportRecord(r.Sha, r.Path, r.Format, r.Rows, r.Missing, r.Skipped, (int)r.Vms, DateTimeOffset.Parse(r.At, CultureInfo.InvariantCulture))
            : null);
    }

    /// <inheritdoc />
    public Task SaveAsync(IReadOnlyList<ProfileUpdate> updates, ImportRecord? import, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        using var transaction = connection.BeginTransaction();
        foreach (var update in updates)
        {
            var p = update.Profile;
            var encoded = update.Encoded ?? (update.SamplesOnly ? EncodedProfile.SamplesOf(p, update.Appended) : EncodedProfile.Of(p, update.Recent, update.Appended));
            if (update.SamplesOnly)
            {
                SaveSamplesOnly(update, encoded, transaction);
                continue;
            }
            if (encoded.Document is null)
                throw new ArgumentException($"the update of VM {p.Id} carries no profile document; only a samples-only update may leave it out", nameof(updates));
            if (update.ReplaceConfigurationHistory && p.ConfigurationHistory.Earlier > 0)
                throw new ArgumentException($"the update of VM {p.Id} would replace its stored configuration history with one that lacks its first {p.ConfigurationHistory.Earlier} versions; load the whole history to replace it", nameof(updates));
            var args = new
            {
                id = p.Id.Value,
                name = p.Name,
                source = p.Source,
                samples = encoded.Samples,
                last = encoded.LastSample,
                profile = encoded.Document,
                now,
                expected = update.ExpectedVersion,
            };
            if (update.ExpectedVersion is null)
            {
                var inserted = connection.Execute(
                    """
                    INSERT INTO vms (vm_id, name, source, version, samples, last_sample, profile, updated_at)
                    VALUES (@id, @name, @source, 1, @samples, @last, @profile, @now) ON CONFLICT (vm_id) DO NOTHING
                    """, args, transaction);
                if (inserted == 0) throw new ConcurrencyException($"VM {p.Id} was created by another writer meanwhile; nothing was saved, run again");
            }
            else
            {
                var changed = prepared.Execute(
                    """
                    UPDATE vms SET name = @name, source = @source, version = version + 1, samples = @samples,
                                   last_sample = @last, profile = @profile, updated_at = @now
                    WHERE vm_id = @id AND version = @expected
                    """, transaction, ("@name", args.name), ("@source", args.source), ("@samples", args.samples), ("@last", args.last),
                    ("@profile", args.profile), ("@now", args.now), ("@id", args.id), ("@expected", args.expected));
                if (changed == 0) throw new ConcurrencyException($"VM {p.Id} was changed by another writer since it was read (expected version {update.ExpectedVersion}); nothing was saved, run again");
            }
            if (update.ReplaceConfigurationHistory)
                connection.Execute("DELETE FROM configuration_versions WHERE vm_id = @id", new { id = p.Id.Value }, transaction);
            foreach (var v in update.ReplaceConfigurationHistory ? p.ConfigurationHistory.Versions : update.NewConfigurationVersions)
            {
                connection.Execute(
                    """
                    INSERT INTO configuration_versions (vm_id, version, content_hash, observed_at, cause, configuration, changes, seen_again)
                    VALUES (@id, @version, @hash, @at, @cause, @configuration, @changes, @seen)
                    """,
                    new
                    {
                        id = p.Id.Value,
                        version = v.Version,
                        hash = v.ContentHash,
                        at = v.ObservedAt.ToString("O", CultureInfo.InvariantCulture),
                        cause = v.Cause,
                        configuration = JsonSerializer.Serialize(v.Configuration, ProfileCodec.JsonOptions),
                        changes = JsonSerializer.Serialize(v.Changes, ProfileCodec.JsonOptions),
                        seen = v.SeenAgain.IsEmpty ? null : JsonSerializer.Serialize(v.SeenAgain.Select(t => t.ToString("O", CultureInfo.InvariantCulture)).ToList(), ProfileCodec.JsonOptions),
                    }, transaction);
            }
            if (update.Spans is { } spans)
            {
                connection.Execute(
                    "INSERT INTO imported_spans (vm_id, spans) VALUES (@id, @spans) ON CONFLICT (vm_id) DO UPDATE SET spans = excluded.spans",
                    new { id = p.Id.Value, spans = spans.Encode() }, transaction);
            }
            if (encoded.Recent is not null)
            {
                WriteWindow(p.Id.Value, encoded.Recent, transaction);
            }
            else
            {
                AppendSamples(p.Id.Value, encoded.Appended, transaction);
                if (update.CompactWindow && ReadWindow(p.Id.Value, transaction) is { } window)
                    WriteWindow(p.Id.Value, window.Encode(), transaction);
            }
        }
        if (import is not null)
        {
            connection.Execute(
                """
                INSERT INTO imported_files (sha256, path, format, rows, missing_rows, skipped_rows, vms, imported_at)
                VALUES (@Sha256, @Path, @Format, @Rows, @MissingRows, @SkippedRows, @Vms, @at)
                """,
                new { import.Sha256, import.Path, import.Format, import.Rows, import.MissingRows, import.SkippedRows, import.Vms, at = import.ImportedAt.ToString("O", CultureInfo.InvariantCulture) },
                transaction);
        }
        transaction.Commit();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The samples-only save's version check, run for every VM every cycle: it reads the index of versions
    /// (0007_vm_versions.sql), not the VM's row, which holds up to a page of its profile document. (SQLite would take
    /// the primary key's index and then the row.)
    /// </summary>
    internal const string VersionCheck = "SELECT version FROM vms INDEXED BY vms_versions WHERE vm_id = @id";

    // Appends the samples under the version check without writing the VM's row: an UPDATE rewrites the whole row, its
    // profile document with it. The document and the version stay; loading and listing count the samples after it.
    private void SaveSamplesOnly(ProfileUpdate update, EncodedProfile encoded, SqliteTransaction transaction)
    {
        var id = update.Profile.Id;
        if (update.ExpectedVersion is null || update.Recent is not null || update.CompactWindow || update.Spans is not null
            || update.ReplaceConfigurationHistory || update.NewConfigurationVersions.Count > 0)
            throw new ArgumentException($"the samples-only update of VM {id} also asks for what needs its profile document (a new VM, configuration versions, spans or a whole window); save the whole profile", nameof(update));
        var stored = (long?)prepared.Scalar(VersionCheck, transaction, ("@id", id.Value));
        if (stored != update.ExpectedVersion) throw new ConcurrencyException($"VM {id} was changed by another writer since it was read (expected version {update.ExpectedVersion}); nothing was saved, run again");
        AppendSamples(id.Value, encoded.Appended, transaction);
    }

    private void AppendSamples(string id, IReadOnlyList<(long UnixSeconds, byte[] Record)> appended, SqliteTransaction transaction)
    {
        foreach (var (at, record) in appended)
        {
            prepared.Execute(
                "INSERT INTO raw_window_appends (vm_id, unix_seconds, sample) VALUES (@id, @at, @record) ON CONFLICT (vm_id, unix_seconds) DO UPDATE SET sample = excluded.sample",
                transaction, ("@id", id), ("@at", at), ("@record", record));
        }
    }

    // Writes a VM's whole raw window, which holds every sample appended before it.
    private void WriteWindow(string id, byte[] samples, SqliteTransaction transaction)
    {
        connection.Execute(
            "INSERT INTO raw_windows (vm_id, samples) VALUES (@id, @samples) ON CONFLICT (vm_id) DO UPDATE SET samples = excluded.samples",
            new { id, samples }, transaction);
        connection.Execute("DELETE FROM raw_window_appends WHERE vm_id = @id", new { id }, transaction);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        prepared.Dispose();
        connection.Dispose();
    }
}
