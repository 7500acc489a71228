using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Vmorph.Loop;
using Vmorph.Server.Access;

namespace Vmorph.Server.Api;

/// <summary>The stream of the loop's changes (server-sent events, viewer) and the audit trail (admin).</summary>
internal static class EventEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/events", StreamAsync).WithName("streamEvents").WithTags("events")
            .RequireAuthorization(AccessPolicies.Viewer)
            .WithSummary("Every change of the loop from now on, as server-sent events: 'event: KIND' and 'data: LoopEvent as JSON'.")
            .Produces<LoopEvent>(StatusCodes.Status200OK, "text/event-stream");
        api.MapGet("/audit", AuditAsync).WithName("listAudit").WithTags("audit")
            .RequireAuthorization(AccessPolicies.Admin)
            .WithSummary("The audit trail of every mutation, newest first, paged.")
            .Produces<AuditPage>().ProducesProblem(StatusCodes.Status400BadRequest);
    }

    // Written by hand rather than with TypedResults.ServerSentEvents: each event is flushed as it comes, a comment line
    // goes first so that a client sees the answer's headers before the first change, and nothing is buffered.
    private static async Task StreamAsync(HttpContext http, [FromServices] IFleetLoop loop, [FromServices] IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var cancellationToken = http.RequestAborted;
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync(": vmorph events\n\n", cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
        try
        {
            await foreach (var change in loop.WatchAsync(cancellationToken))
            {
                var data = JsonSerializer.Serialize(change, json.Value.SerializerOptions);
                await http.Response.WriteAsync($"event: {OneLine(change.Kind)}\ndata: {data}\n\n", Encoding.UTF8, cancellationToken);
                await http.Response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: the stream ends.
        }
    }

    private static async Task<IResult> AuditAsync(string? offset, string? limit, [FromServices] IAuditLog audit, CancellationToken cancellationToken)
    {
        var (paging, problem) = Paging.Parse(offset, limit);
        if (problem is not null) return problem;
        var entries = await audit.ListAsync(paging.Offset, paging.Limit + 1, cancellationToken);
        return TypedResults.Ok(new AuditPage(paging.Offset, paging.Limit, entries.Count > paging.Limit, [.. entries.Take(paging.Limit)]));
    }

    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');
}
