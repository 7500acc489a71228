using System.Net;
using System.Text.Json;

namespace Vmorph.Server.Tests.Api;

/// <summary>Checks of answers: problem details, JSON bodies.</summary>
internal static class ApiAssert
{
    /// <summary>
    /// Asserts an RFC 7807 answer: the status, <c>application/problem+json</c>, the status and a title in the body, a
    /// detail containing <paramref name="detailContains"/> when given, and no sign of .NET inside (stack frames, type names).
    /// </summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), text);
        Assert.True(problem.TryGetProperty("type", out _), text);
        if (detailContains is not null)
        {
            Assert.True(problem.TryGetProperty("detail", out var detail), text);
            Assert.Contains(detailContains, detail.GetString(), StringComparison.Ordinal);
        }
        NoDotNet(text);
        return problem;
    }

    /// <summary>Asserts a text shows nothing of the server's insides: stack frames, exception or namespace names.</summary>
    public static void NoDotNet(string text)
    {
        foreach (var sign in new[] { " at Vmorph.", " at System.", "Exception", "System.", "Vmorph.", "Microsoft.", ".cs:line" })
            Assert.DoesNotContain(sign, text, StringComparison.Ordinal);
    }

    /// <summary>Reads a 2xx JSON answer.</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
