using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Vmorph.Server.Access;

/// <summary>
/// Answers a token whose role is too low with 403 and an RFC 7807 problem that names the role needed, and audits
/// the refusal when the request was a mutation (an attempt to change something is worth knowing about).
/// </summary>
internal sealed class AccessResultHandler(IAuditLog audit, IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            await fallback.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        var needed = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<RolesAuthorizationRequirement>()
            .SelectMany(r => r.AllowedRoles).FirstOrDefault() ?? "a higher";
        var role = context.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "none";
        var detail = $"this needs the {needed} role; the token has the {role} role";
        if (!AccessEndpointMetadata.IsReadOnly(context))
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "";
            await audit.RecordAsync(context.Actor(), $"denied {context.Request.Method} {route}", context.Request.Path.Value ?? "",
                "403 forbidden: " + detail, CancellationToken.None);
        }
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = detail },
        });
    }
}
