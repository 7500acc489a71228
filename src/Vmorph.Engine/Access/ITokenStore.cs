namespace Vmorph.Access;

/// <summary>
/// Where API tokens are kept (the SQLite store beside the fleet; PostgreSQL later), by the SHA-256 of their secret.
/// Safe to call from concurrent requests.
/// </summary>
public interface ITokenStore
{
    /// <summary>Adds a token; throws <see cref="TokenNameTakenException"/> when a token not revoked has its name.</summary>
    Task AddTokenAsync(ApiToken token, byte[] secretHash, CancellationToken cancellationToken);

    /// <summary>The token whose secret hashes to <paramref name="secretHash"/> (revoked or not), with the hash stored, or null.</summary>
    Task<(ApiToken Token, byte[] StoredHash)?> FindTokenAsync(byte[] secretHash, CancellationToken cancellationToken);

    /// <summary>Every token, valid ones first, each group by name.</summary>
    Task<IReadOnlyList<ApiToken>> ListTokensAsync(CancellationToken cancellationToken);

    /// <summary>Revokes the valid token named <paramref name="name"/>; false when there is none.</summary>
    Task<bool> RevokeTokenAsync(string name, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records that the token was used at <paramref name="at"/>, unless it was recorded less than <paramref name="resolution"/> before.</summary>
    Task TouchTokenAsync(byte[] secretHash, DateTimeOffset at, TimeSpan resolution, CancellationToken cancellationToken);
}

/// <summary>The audit trail as the store keeps it: appended, listed newest first, never edited.</summary>
public interface IAuditStore
{
    /// <summary>Appends one entry.</summary>
    Task AppendAuditAsync(AuditRecord entry, CancellationToken cancellationToken);

    /// <summary>Entries newest first, from <paramref name="offset"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAuditAsync(int offset, int limit, CancellationToken cancellationToken);

    /// <summary>How many entries there are.</summary>
    Task<int> CountAuditAsync(CancellationToken cancellationToken);
}

/// <summary>A token not revoked has the name asked for already.</summary>
public sealed class TokenNameTakenException(string name)
    : Exception($"a token named '{name}' exists already; revoke it first or choose another name")
{
    /// <summary>The name.</summary>
    public string Name { get; } = name;
}
