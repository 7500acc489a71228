namespace Vmorph.Access;

/// <summary>An API token as the store keeps it: never the secret, only its SHA-256.</summary>
/// <param name="Name">The token's name, unique among tokens not revoked (who the audit says acted).</param>
/// <param name="Role">What it may do.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="LastUsedAt">When it last authenticated a request (to the minute), or null if never.</param>
/// <param name="RevokedAt">When it was revoked, or null while it is valid.</param>
public sealed record ApiToken(string Name, AccessRole Role, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    /// <summary>Whether it still authenticates requests.</summary>
    public bool IsActive => RevokedAt is null;
}

/// <summary>A token just created: its record and its secret, shown once and never stored.</summary>
/// <param name="Token">The stored record.</param>
/// <param name="Secret">The bearer secret (<c>vmorph_...</c>): print it once, never log it.</param>
public sealed record IssuedToken(ApiToken Token, string Secret)
{
    /// <inheritdoc />
    public override string ToString() => $"IssuedToken {{ Token = {Token}, Secret = (hidden) }}";
}

/// <summary>One audited mutation as the store keeps it.</summary>
/// <param name="At">When.</param>
/// <param name="Actor">Who (<c>token:alice</c>, <c>cli</c>).</param>
/// <param name="Action">What (<c>token.create</c>, <c>morph.approve</c>).</param>
/// <param name="Target">On what (a VM, a plan, a token's name).</param>
/// <param name="Result">How it ended (<c>ok</c>, or the error).</param>
public sealed record AuditRecord(DateTimeOffset At, string Actor, string Action, string Target, string Result);
