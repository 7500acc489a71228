using Microsoft.AspNetCore.Http;
using Vmorph.Loop;

namespace Vmorph.Server.Api;

/// <summary>RFC 7807 problem details for every error the API answers.</summary>
internal static class ApiProblems
{
    /// <summary>A problem with a status, a title and a detail that says what was wrong and where.</summary>
    public static IResult Of(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    /// <summary>404: no such thing.</summary>
    public static IResult NotFound(string detail) => Of(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>400: a query parameter or body that cannot be read.</summary>
    public static IResult BadRequest(string detail) => Of(StatusCodes.Status400BadRequest, "Bad request", detail);

    /// <summary>422: a request read fine but not valid, with every error.</summary>
    public static IResult Invalid(string detail, IReadOnlyList<string> errors) =>
        Of(StatusCodes.Status422UnprocessableEntity, "Unprocessable entity", detail, new Dictionary<string, object?> { ["errors"] = errors });

    /// <summary>What a loop operation came to, as an answer: the value (200 or 202), or a problem with the loop's message.</summary>
    public static IResult From<T>(LoopResult<T> result, Func<T, IResult> ok, Func<T, IResult> accepted)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Status switch
        {
            LoopStatus.Ok when result.Value is { } value => ok(value),
            LoopStatus.Accepted when result.Value is { } value => accepted(value),
            LoopStatus.NotFound => NotFound(result.Message),
            LoopStatus.Invalid => Of(StatusCodes.Status422UnprocessableEntity, "Unprocessable entity", result.Message),
            LoopStatus.Conflict => Of(StatusCodes.Status409Conflict, "Conflict", result.Message),
            _ => throw new InvalidOperationException($"the loop answered {result.Status} without a value: {result.Message}"),
        };
    }
}
