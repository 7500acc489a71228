using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Vmorph.Access;

namespace Vmorph.Server.Access;

/// <summary>A page of a list: <c>{ total, offset, limit, items }</c>.</summary>
/// <param name="Total">How many there are in all.</param>
/// <param name="Offset">Where this page starts.</param>
/// <param name="Limit">At most how many this page holds.</param>
/// <param name="Items">The page.</param>
public sealed record AccessPage<T>(int Total, int Offset, int Limit, IReadOnlyList<T> Items);

/// <summary>The body of <c>POST /api/v1/tokens</c>.</summary>
/// <param name="Name">The new token's name.</param>
/// <param name="Role">viewer, operator or admin.</param>
public sealed record CreateTokenRequest(string? Name, string? Role);

/// <summary>The access endpoints: the audit trail and the tokens (admin only).</summary>
internal static class AccessEndpoints
{
    private const int MaxLimit = 500;

    public static void MapVmorphAccessEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("access");
        api.MapGet("/audit", ListAuditAsync).RequireAuthorization(AccessPolicies.Admin).WithName("ListAudit");
        api.MapGet("/tokens", ListTokensAsync).RequireAuthorization(AccessPolicies.Admin).WithName("ListTokens");
        api.MapPost("/tokens", CreateTokenAsync).RequireAuthorization(AccessPolicies.Admin).WithName("CreateToken");
        api.MapDelete("/tokens/{name}", RevokeTokenAsync).RequireAuthorization(AccessPolicies.Admin).WithName("RevokeToken");
    }

    private static ProblemHttpResult? PagingProblem(int offset, int limit) =>
        offset < 0 ? TypedResults.Problem($"offset must be 0 or more (got {offset})", statusCode: StatusCodes.Status400BadRequest)
        : limit is < 1 or > MaxLimit ? TypedResults.Problem($"limit must be from 1 to {MaxLimit} (got {limit})", statusCode: StatusCodes.Status400BadRequest)
        : null;

    private static async Task<Results<Ok<AccessPage<AuditEntry>>, ProblemHttpResult>> ListAuditAsync(IAuditLog audit, CancellationToken cancellationToken,
        int offset = 0, int limit = 50)
    {
        if (PagingProblem(offset, limit) is { } problem) return problem;
        var total = await audit.CountAsync(cancellationToken);
        return TypedResults.Ok(new AccessPage<AuditEntry>(total, offset, limit, await audit.ListAsync(offset, limit, cancellationToken)));
    }

    private static async Task<Results<Ok<AccessPage<TokenJson>>, ProblemHttpResult>> ListTokensAsync(ApiTokens tokens, CancellationToken cancellationToken,
        int offset = 0, int limit = 50)
    {
        if (PagingProblem(offset, limit) is { } problem) return problem;
        var all = await tokens.ListAsync(cancellationToken);
        return TypedResults.Ok(new AccessPage<TokenJson>(all.Count, offset, limit, all.Skip(offset).Take(limit).Select(TokenJson.Of).ToList()));
    }

    private static async Task<Results<Created<CreatedTokenJson>, ProblemHttpResult>> CreateTokenAsync(CreateTokenRequest request, HttpContext context,
        ApiTokens tokens, IAuditLog audit, CancellationToken cancellationToken)
    {
        var role = AccessRoles.Parse(request.Role);
        if (role is null)
        {
            var error = $"role '{request.Role}' is not one of viewer, operator, admin";
            await audit.RecordAsync(context.Actor(), "token.create", request.Name ?? "", "refused: " + error, cancellationToken);
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }
        var name = request.Name ?? "";
        var invalid = ApiTokens.NameError(name) is not null;
        var created = await tokens.CreateAsync(name, role.Value, context.Actor(), cancellationToken);
        if (!created.IsSuccess)
            return TypedResults.Problem(created.Errors[0], statusCode: invalid ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict);
        var (token, secret) = created.Value;
        return TypedResults.Created($"/api/v1/tokens/{Uri.EscapeDataString(token.Name)}", new CreatedTokenJson(token.Name, token.Role.Name(), token.CreatedAt, secret));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeTokenAsync(string name, HttpContext context, ApiTokens tokens, CancellationToken cancellationToken) =>
        await tokens.RevokeAsync(name, context.Actor(), cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"no valid token is named '{name}'", statusCode: StatusCodes.Status404NotFound);
}
