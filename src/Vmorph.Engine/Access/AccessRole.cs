namespace Vmorph.Access;

/// <summary>
/// What an API token may do. Roles nest: an admin may do what an operator may, an operator what a viewer may; the
/// order of the values is that nesting.
/// </summary>
public enum AccessRole
{
    /// <summary>Read anything (fleet, profiles, plans, journal, metrics).</summary>
    Viewer = 1,

    /// <summary>Plan, apply, approve, reject, roll back, label.</summary>
    Operator = 2,

    /// <summary>Policies, target profiles, tokens, the audit trail.</summary>
    Admin = 3,
}

/// <summary>The roles' names as users write them (<c>viewer</c>, <c>operator</c>, <c>admin</c>).</summary>
public static class AccessRoles
{
    /// <summary>Every role, lowest first.</summary>
    public static IReadOnlyList<AccessRole> All { get; } = [AccessRole.Viewer, AccessRole.Operator, AccessRole.Admin];

    /// <summary>The role's name: <c>viewer</c>, <c>operator</c> or <c>admin</c>.</summary>
    public static string Name(this AccessRole role) => role switch
    {
        AccessRole.Viewer => "viewer",
        AccessRole.Operator => "operator",
        AccessRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a role"),
    };

    /// <summary>Whether a token of this role may do what <paramref name="required"/> allows.</summary>
    public static bool Includes(this AccessRole role, AccessRole required) => role >= required;

    /// <summary>The role named <paramref name="name"/> (case-insensitive), or null when there is none.</summary>
    public static AccessRole? Parse(string? name) =>
        All.Select(r => (AccessRole?)r).FirstOrDefault(r => string.Equals(r!.Value.Name(), name?.Trim(), StringComparison.OrdinalIgnoreCase));
}
