using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vmorph.Server.Access;

namespace Vmorph.Server.Api;

/// <summary>
/// Records every call of a mutating endpoint in the audit log (<see cref="IAuditLog"/>): who (the token's actor), what
/// (the action's name), on what (the route's VM, plan and name), and how it ended (<c>ok</c>, <c>accepted</c>, or the
/// status and the problem's detail). A call that throws is recorded as an internal error before the error handler
/// answers it.
/// </summary>
internal static class Audited
{
    /// <summary>Audits the endpoint's calls as <paramref name="action"/> (<c>plan.create</c>, <c>labels.set</c>).</summary>
    public static TBuilder Audit<TBuilder>(this TBuilder builder, string action)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var audit = http.RequestServices.GetRequiredService<IAuditLog>();
            var target = Target(http.Request.RouteValues);
            object? result;
            try
            {
                result = await next(context);
            }
            catch (Exception) when (!http.RequestAborted.IsCancellationRequested)
            {
                await audit.RecordAsync(http.Actor(), action, target, "500: internal error", CancellationToken.None);
                throw;
            }
            await audit.RecordAsync(http.Actor(), action, target, Describe(result), CancellationToken.None);
            return result;
        });

    private static string Target(RouteValueDictionary values)
    {
        var parts = new[] { "vm", "planId", "morphId", "name" }
            .Select(key => values.TryGetValue(key, out var value) && value is string text ? text : null)
            .OfType<string>()
            .ToList();
        return parts.Count == 0 ? "-" : string.Join("/", parts);
    }

    private static string Describe(object? result) => result switch
    {
        ProblemHttpResult problem => $"{problem.StatusCode}: {problem.ProblemDetails.Detail}",
        IStatusCodeHttpResult { StatusCode: StatusCodes.Status202Accepted } => "accepted",
        IStatusCodeHttpResult { StatusCode: { } code } when code >= 400 => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "ok",
    };
}
