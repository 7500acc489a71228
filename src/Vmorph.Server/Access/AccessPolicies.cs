using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Vmorph.Server.Access;

/// <summary>
/// The authorisation policies every endpoint names (<c>.RequireAuthorization(AccessPolicies.Operator)</c>). Roles nest:
/// an admin may do what an operator may, an operator what a viewer may. Only health is anonymous.
/// </summary>
public static class AccessPolicies
{
    /// <summary>Read anything (fleet, profiles, plans, journal, audit).</summary>
    public const string Viewer = "viewer";

    /// <summary>Plan, apply, approve, reject, roll back, label.</summary>
    public const string Operator = "operator";

    /// <summary>Policies, target profiles, tokens.</summary>
    public const string Admin = "admin";

    /// <summary>The caller as the audit names it (<c>token:alice</c>), from its authenticated identity.</summary>
    public static string Actor(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.FindFirstValue(ClaimTypes.Name) is { Length: > 0 } name ? "token:" + name : "anonymous";
    }
}

/// <summary>One audited mutation: who did what to what, when, and how it ended.</summary>
/// <param name="At">When.</param>
/// <param name="Actor">Who (<c>token:alice</c>, or <c>cli</c> for a command run on the store directly).</param>
/// <param name="Action">What (<c>morph.approve</c>, <c>labels.set</c>, <c>token.create</c>).</param>
/// <param name="Target">On what (a VM's id, a plan id, a token's name).</param>
/// <param name="Result">How it ended (<c>ok</c>, <c>accepted</c>, or the error's status and message).</param>
public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string Target, string Result);

/// <summary>The audit trail of every mutation, kept in the store beside the fleet (listable, never edited).</summary>
public interface IAuditLog
{
    /// <summary>Records one mutation.</summary>
    Task RecordAsync(string actor, string action, string target, string result, CancellationToken cancellationToken);

    /// <summary>Entries newest first, from <paramref name="offset"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(int offset, int limit, CancellationToken cancellationToken);

    /// <summary>How many entries there are (a page's total).</summary>
    Task<int> CountAsync(CancellationToken cancellationToken);
}
