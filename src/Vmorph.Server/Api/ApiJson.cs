using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Vmorph.Views;

namespace Vmorph.Server.Api;

/// <summary>
/// JSON in and out of the API: the CLI's views' conventions (camelCase, kebab-case enums, null fields left out, ISO 8601
/// times) written compactly; request bodies read with a size limit and strictly (an unknown field is an error), every
/// error naming where in the body it is.
/// </summary>
internal static class ApiJson
{
    /// <summary>The largest JSON request body read, bytes.</summary>
    public const int MaxJsonBody = 64 * 1024;

    /// <summary>The largest YAML request body read, bytes (policies and target profiles).</summary>
    public const int MaxYamlBody = 256 * 1024;

    private static readonly JsonSerializerOptions Strict = new(JsonViews.Options)
    {
        WriteIndented = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 8,
    };

    /// <summary>Applies the views' conventions to the server's JSON options.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        var views = JsonViews.Options;
        options.PropertyNamingPolicy = views.PropertyNamingPolicy;
        options.DictionaryKeyPolicy = views.DictionaryKeyPolicy;
        options.DefaultIgnoreCondition = views.DefaultIgnoreCondition;
        options.NumberHandling = views.NumberHandling;
        options.PropertyNameCaseInsensitive = views.PropertyNameCaseInsensitive;
        options.WriteIndented = false;
        foreach (var converter in views.Converters) options.Converters.Add(converter);
        options.TypeInfoResolverChain.Insert(0, views.TypeInfoResolver!);
    }

    /// <summary>
    /// Reads a JSON body of <typeparamref name="T"/>: a problem (400 malformed or of the wrong shape, 413 too large,
    /// 415 not JSON) when it cannot be read, naming where; <paramref name="shape"/> shows what is expected.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, string shape, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) && !type.Contains("+json", StringComparison.OrdinalIgnoreCase))
            return (null, ApiProblems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"the body must be JSON (Content-Type: application/json), not '{Printable(type)}'; expected {shape}"));
        var (bytes, problem) = await ReadBoundedAsync(request, MaxJsonBody, cancellationToken);
        if (problem is not null) return (null, problem);
        if (bytes!.Length == 0) return (null, ApiProblems.Of(StatusCodes.Status400BadRequest, "Bad request", $"the body is empty; expected {shape}"));
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, Strict);
            return value is null
                ? (null, ApiProblems.Of(StatusCodes.Status400BadRequest, "Bad request", $"the body is null; expected {shape}"))
                : (value, null);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } path ? $"at {path} " : "";
            var line = e.LineNumber is { } l ? $"(line {l + 1}, byte {e.BytePositionInLine + 1 ?? 0})" : "";
            return (null, ApiProblems.Of(StatusCodes.Status400BadRequest, "Bad request", $"the body is not valid {where}{line}: malformed JSON, an unknown field or a value of the wrong type; expected {shape}".Replace("  ", " ", StringComparison.Ordinal)));
        }
    }

    /// <summary>Reads a text body (YAML): a problem when it is too large or not UTF-8.</summary>
    public static async Task<(string? Text, IResult? Problem)> ReadTextAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (bytes, problem) = await ReadBoundedAsync(request, MaxYamlBody, cancellationToken);
        if (problem is not null) return (null, problem);
        try
        {
            return (new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes!), null);
        }
        catch (DecoderFallbackException e)
        {
            return (null, ApiProblems.Of(StatusCodes.Status400BadRequest, "Bad request", $"the body is not UTF-8 text (invalid byte at offset {e.Index}); send the YAML as UTF-8"));
        }
    }

    private static async Task<(byte[]? Bytes, IResult? Problem)> ReadBoundedAsync(HttpRequest request, int max, CancellationToken cancellationToken)
    {
        if (request.ContentLength > max) return (null, TooLarge(max));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max) return (null, TooLarge(max));
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), null);
    }

    private static IResult TooLarge(int max) =>
        ApiProblems.Of(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"the body is larger than {max / 1024} KiB, the most this endpoint reads");

    /// <summary>A value from a request made safe to echo: control characters replaced, at most 100 characters.</summary>
    public static string Printable(string text)
    {
        var clean = new string([.. text.Take(100).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 100 ? clean + "..." : clean;
    }
}
