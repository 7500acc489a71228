using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using System.Diagnostics;

namespace Vmorph.Server.Api;

/// <summary>
/// Every error answered as RFC 7807 problem details: an exception becomes a 500 that names only a trace id (the
/// exception, its type and its stack trace go to the log, never to the client); a request the server cannot read
/// becomes its 4xx; and an error answered without a body (401, 403, 404, 405) gets one from the status code pages.
/// </summary>
internal sealed partial class ApiErrors(RequestDelegate next, ILogger<ApiErrors> logger, IProblemDetailsService problems)
{
    /// <summary>Handles one request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            var traceId = Activity.Current?.Id ?? context.TraceIdentifier;
            ProblemDetails problem;
            if (exception is BadHttpRequestException bad)
            {
                LogBadRequest(logger, context.Request.Method, context.Request.Path, bad.StatusCode, traceId, exception);
                problem = new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = "the request could not be read (its headers, length or body); nothing was done" };
            }
            else
            {
                LogUnhandled(logger, context.Request.Method, context.Request.Path, traceId, exception);
                problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Internal server error", Detail = $"an internal error (a bug); the server's log has the details under trace id {traceId}" };
            }
            context.Response.Clear();
            context.Response.StatusCode = problem.Status.Value;
            problem.Extensions["traceId"] = traceId;
            if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = null }))
                await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "{Method} {Path}: internal error, trace id {TraceId}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, string traceId, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Method} {Path}: bad request ({Status}), trace id {TraceId}")]
    private static partial void LogBadRequest(ILogger logger, string method, string path, int status, string traceId, Exception exception);
}

/// <summary>Puts <see cref="ApiErrors"/> and the status code pages outside everything else, authentication included.</summary>
internal sealed class ApiErrorsStartupFilter : IStartupFilter
{
    /// <inheritdoc />
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<ApiErrors>();
        app.UseStatusCodePages();
        next(app);
    };
}
