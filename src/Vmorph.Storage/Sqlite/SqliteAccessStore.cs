using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Vmorph.Access;

namespace Vmorph.Storage.Sqlite;

/// <summary>
/// API tokens and the audit trail in the same SQLite file as the fleet store (WAL, its own connection, owner-only
/// files). Requests authenticate concurrently and one <see cref="SqliteConnection"/> is not thread-safe, so every call
/// holds the store's lock for its few statements. Only the SHA-256 of a secret is stored, as hex.
/// </summary>
public sealed class SqliteAccessStore : ITokenStore, IAuditStore, IDisposable
{
    private readonly SqliteConnection connection;
    private readonly SemaphoreSlim gate = new(1, 1);

    private SqliteAccessStore(SqliteConnection connection, string path)
    {
        this.connection = connection;
        Location = path;
    }

    /// <summary>The store file.</summary>
    public string Location { get; }

    /// <summary>Opens (creating and migrating if needed) the store file at <paramref name="path"/>.</summary>
    public static SqliteAccessStore Open(string path, TimeProvider clock)
    {
        var connection = StoreFile.OpenMigrated(path, clock, durable: true);
        return new SqliteAccessStore(connection, path);
    }

    private static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static DateTimeOffset? OptionalTime(string? text) => text is null ? null : Time(text);

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    private async Task<T> Locked<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return work();
        }
        finally
        {
            gate.Release();
        }
    }

    private sealed record TokenRow(string secret_hash, string name, string role, string created_at, string? last_used_at, string? revoked_at);

    private const string TokenColumns = "secret_hash, name, role, created_at, last_used_at, revoked_at";

    private static ApiToken Map(TokenRow r) =>
        new(r.name, AccessRoles.Parse(r.role) ?? throw new InvalidDataException($"api_tokens: token '{r.name}' has an unknown role '{r.role}'"),
            Time(r.created_at), OptionalTime(r.last_used_at), OptionalTime(r.revoked_at));

    /// <inheritdoc />
    public Task AddTokenAsync(ApiToken token, byte[] secretHash, CancellationToken cancellationToken) =>
        Locked(() =>
        {
            try
            {
                return connection.Execute(
                    $"INSERT INTO api_tokens ({TokenColumns}) VALUES (@hash, @name, @role, @created, NULL, NULL)",
                    new { hash = Hex(secretHash), name = token.Name, role = token.Role.Name(), created = Text(token.CreatedAt) });
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                throw new TokenNameTakenException(token.Name);
            }
        }, cancellationToken);

    /// <inheritdoc />
    public Task<(ApiToken Token, byte[] StoredHash)?> FindTokenAsync(byte[] secretHash, CancellationToken cancellationToken) =>
        Locked<(ApiToken, byte[])?>(() =>
            connection.QueryFirstOrDefault<TokenRow>($"SELECT {TokenColumns} FROM api_tokens WHERE secret_hash = @hash", new { hash = Hex(secretHash) }) is { } row
                ? (Map(row), Convert.FromHexString(row.secret_hash))
                : null, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ApiToken>> ListTokensAsync(CancellationToken cancellationToken) =>
        Locked<IReadOnlyList<ApiToken>>(() =>
            connection.Query<TokenRow>($"SELECT {TokenColumns} FROM api_tokens ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, name, created_at")
                .Select(Map).ToList(), cancellationToken);

    /// <inheritdoc />
    public Task<bool> RevokeTokenAsync(string name, DateTimeOffset at, CancellationToken cancellationToken) =>
        Locked(() => connection.Execute("UPDATE api_tokens SET revoked_at = @at WHERE name = @name AND revoked_at IS NULL", new { name, at = Text(at) }) == 1,
            cancellationToken);

    /// <inheritdoc />
    public Task TouchTokenAsync(byte[] secretHash, DateTimeOffset at, TimeSpan resolution, CancellationToken cancellationToken) =>
        Locked(() => connection.Execute(
            "UPDATE api_tokens SET last_used_at = @at WHERE secret_hash = @hash AND (last_used_at IS NULL OR last_used_at <= @before)",
            new { hash = Hex(secretHash), at = Text(at), before = Text(at - resolution) }), cancellationToken);

    /// <inheritdoc />
    public Task AppendAuditAsync(AuditRecord entry, CancellationToken cancellationToken) =>
        Locked(() => connection.Execute(
            "INSERT INTO audit_log (at, actor, action, target, result) VALUES (@at, @actor, @action, @target, @result)",
            new { at = Text(entry.At), actor = entry.Actor, action = entry.Action, target = entry.Target, result = entry.Result }), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<AuditRecord>> ListAuditAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return Locked<IReadOnlyList<AuditRecord>>(() =>
            connection.Query<(string At, string Actor, string Action, string Target, string Result)>(
                    "SELECT at, actor, action, target, result FROM audit_log ORDER BY id DESC LIMIT @limit OFFSET @offset", new { offset, limit })
                .Select(r => new AuditRecord(Time(r.At), r.Actor, r.Action, r.Target, r.Result)).ToList(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> CountAuditAsync(CancellationToken cancellationToken) =>
        Locked(() => connection.ExecuteScalar<int>("SELECT count(*) FROM audit_log"), cancellationToken);

    /// <summary>Asks the store a question, for the readiness check: throws when the file cannot be read.</summary>
    public Task ProbeAsync(CancellationToken cancellationToken) =>
        Locked(() => connection.ExecuteScalar<long>("SELECT count(*) FROM schema_migrations"), cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        connection.Dispose();
        gate.Dispose();
    }
}
