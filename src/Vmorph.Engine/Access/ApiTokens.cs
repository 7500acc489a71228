using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Vmorph.Access;

/// <summary>
/// Creates, lists, revokes and checks API tokens over a store, auditing every change. A token's secret is
/// <c>vmorph_</c> and 32 bytes from the system's CSPRNG in base64url (43 characters); only its SHA-256 is stored (a
/// random 256-bit secret needs no slow hash), and the secret is handed back once, at creation.
/// </summary>
public sealed partial class ApiTokens(ITokenStore store, IAuditStore audit, TimeProvider clock)
{
    /// <summary>What every secret starts with, so that a leaked one is recognisable (secret scanners, logs).</summary>
    public const string SecretPrefix = "vmorph_";

    /// <summary>The name of the admin token <see cref="EnsureAdminTokenAsync"/> creates.</summary>
    public const string AdminName = "admin";

    /// <summary>How often a token's last use is written at most (a write per request would be a write per request).</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private const int SecretBytes = 32;
    private static readonly int SecretLength = SecretPrefix.Length + Base64Url.GetEncodedLength(SecretBytes);

    /// <summary>Creates a token and audits it as done by <paramref name="actor"/>; a bad or taken name is an error value.</summary>
    public async Task<Result<IssuedToken>> CreateAsync(string name, AccessRole role, string actor, CancellationToken cancellationToken)
    {
        var target = name ?? "";
        if (NameError(target) is { } error)
        {
            await AuditAsync(actor, "token.create", target, "refused: " + error);
            return Result<IssuedToken>.Fail(error);
        }
        var secret = SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var token = new ApiToken(target, role, clock.GetUtcNow(), null, null);
        try
        {
            await store.AddTokenAsync(token, Hash(secret), cancellationToken);
        }
        catch (TokenNameTakenException e)
        {
            await AuditAsync(actor, "token.create", target, "refused: " + e.Message);
            return Result<IssuedToken>.Fail(e.Message);
        }
        await AuditAsync(actor, "token.create", target, "ok: role " + role.Name());
        return Result<IssuedToken>.Ok(new IssuedToken(token, secret));
    }

    /// <summary>Every token (never a secret), valid ones first.</summary>
    public Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken) => store.ListTokensAsync(cancellationToken);

    /// <summary>Revokes the valid token named <paramref name="name"/>, audited; false when there is none.</summary>
    public async Task<bool> RevokeAsync(string name, string actor, CancellationToken cancellationToken)
    {
        var revoked = await store.RevokeTokenAsync(name, clock.GetUtcNow(), cancellationToken);
        await AuditAsync(actor, "token.revoke", name, revoked ? "ok" : "not found: no valid token has this name");
        return revoked;
    }

    /// <summary>
    /// The valid token whose secret is <paramref name="presented"/>, or null (malformed, unknown or revoked). Its last
    /// use is recorded.
    /// </summary>
    public async Task<ApiToken?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (presented is null || presented.Length != SecretLength || !presented.StartsWith(SecretPrefix, StringComparison.Ordinal)) return null;
        var hash = Hash(presented);
        // The store finds the row by the hash's index; the final comparison is made here in constant time, so that
        // no store (a case-folding collation, a prefix match) can make a different secret pass.
        if (await store.FindTokenAsync(hash, cancellationToken) is not { } found || !CryptographicOperations.FixedTimeEquals(found.StoredHash, hash))
            return null;
        if (!found.Token.IsActive) return null;
        await store.TouchTokenAsync(hash, clock.GetUtcNow(), LastUsedResolution, cancellationToken);
        return found.Token;
    }

    /// <summary>
    /// When no valid admin token exists, creates one named <c>admin</c> (or <c>admin-2</c>, ... when a token of
    /// another role holds that name) and returns it for its secret to be printed once; otherwise null.
    /// </summary>
    public async Task<IssuedToken?> EnsureAdminTokenAsync(string actor, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 100; attempt++)
        {
            var tokens = await store.ListTokensAsync(cancellationToken);
            if (tokens.Any(t => t.IsActive && t.Role == AccessRole.Admin)) return null;
            var name = Enumerable.Range(1, tokens.Count + 1).Select(n => n == 1 ? AdminName : $"{AdminName}-{n}")
                .First(n => !tokens.Any(t => t.IsActive && t.Name == n));
            var created = await CreateAsync(name, AccessRole.Admin, actor, cancellationToken);
            // Taken meanwhile (another server starting on the same store): look again.
            if (created.IsSuccess) return created.Value;
        }
        throw new InvalidOperationException("could not create an admin token: the name was taken 100 times in a row");
    }

    /// <summary>The SHA-256 of a secret's UTF-8 bytes, as the store keeps it.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Why <paramref name="name"/> cannot name a token, or null when it can.</summary>
    public static string? NameError(string name) =>
        TokenName().IsMatch(name) ? null
            : $"token name '{name}' is not valid: 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit";

    // The change is made: its audit entry is written even when the caller has gone meanwhile.
    private Task AuditAsync(string actor, string action, string target, string result) =>
        audit.AppendAuditAsync(new AuditRecord(clock.GetUtcNow(), actor, action, target, result), CancellationToken.None);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex TokenName();
}
