namespace Vmorph.Access;

/// <summary>A token as the API and <c>vmorph token list -o json</c> show it: never its secret.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Role">viewer, operator or admin.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="LastUsedAt">When it last authenticated a request (to the minute), or null.</param>
/// <param name="RevokedAt">When it was revoked, or null.</param>
/// <param name="Active">Whether it authenticates requests.</param>
public sealed record TokenJson(string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, bool Active)
{
    /// <summary>The view of a stored token.</summary>
    public static TokenJson Of(ApiToken token) =>
        new(token.Name, token.Role.Name(), token.CreatedAt, token.LastUsedAt, token.RevokedAt, token.IsActive);
}

/// <summary>A token just created, with its secret in <c>token</c>: shown this once.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Role">Its role.</param>
/// <param name="CreatedAt">When.</param>
/// <param name="Token">The bearer secret.</param>
public sealed record CreatedTokenJson(string Name, string Role, DateTimeOffset CreatedAt, string Token);
