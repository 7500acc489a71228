using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vmorph.Cli.Hosting;

/// <summary>
/// The CLI as a client of <c>vmorph serve</c> (<c>--server URL</c>): requests with the token as a bearer header (read
/// from <c>--token-file</c> or <c>VMORPH_TOKEN</c>; never from the command line, never printed), answers as JSON, and
/// the server's problem details turned into one message and an exit code (404: not found; anything else: error).
/// </summary>
internal sealed class ServerClient : IDisposable
{
    private const int MaxTokenFile = 4096;
    private readonly HttpClient http;

    private ServerClient(Uri server, string token)
    {
        Server = server;
        http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("vmorph", BuildInfo.Current.Version));
    }

    /// <summary>The server's address.</summary>
    public Uri Server { get; }

    /// <summary>A client for <c>--server</c>, or null when it is not given.</summary>
    public static ServerClient? Open(CliContext context, GlobalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Server is not { } text)
        {
            if (settings.TokenFile is not null) throw new CliException("--token-file is for --server URL; without --server vmorph works on the store", ExitCodes.Usage);
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(server.UserInfo) || !string.IsNullOrEmpty(server.Query))
            throw new CliException($"--server: '{text}' is not a server address such as http://127.0.0.1:8787 or https://vmorph.example:8787", ExitCodes.Usage);
        if (server.Scheme == "http" && !server.IsLoopback)
            context.Hint($"vmorph: warning: the token goes to {server.Host} unencrypted (http); serve with TLS and use https://");
        var token = settings.TokenFile is { } file ? ReadTokenFile(file) : context.Environment.GetValueOrDefault("VMORPH_TOKEN")?.Trim();
        if (string.IsNullOrEmpty(token))
            throw new CliException("--server needs a token: --token-file FILE, or the VMORPH_TOKEN environment variable ('vmorph token create --role viewer --name NAME' makes one)", ExitCodes.Usage);
        if (token.Any(c => c <= ' ' || c > '~'))
            throw new CliException($"the token {(settings.TokenFile is null ? "in VMORPH_TOKEN" : "in " + settings.TokenFile)} has spaces or characters a token never has; it must hold the token alone");
        var path = server.AbsolutePath.EndsWith('/') ? server.AbsolutePath : server.AbsolutePath + "/";
        return new ServerClient(new UriBuilder(server) { Path = path }.Uri, token);
    }

    /// <summary>GETs an API path (relative: <c>api/v1/fleet</c>).</summary>
    public Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>Sends a request with an optional JSON body; the answer's JSON, or a <see cref="CliException"/> saying what the server said.</summary>
    public async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the vmorph server at {Server}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the vmorph server at {Server} did not answer {method} /{path} in {http.Timeout.TotalSeconds:0} s");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) throw Failure(response.StatusCode, text, method, path);
            try
            {
                return JsonNode.Parse(text) ?? throw new JsonException("null");
            }
            catch (JsonException)
            {
                throw new CliException($"the server at {Server} answered {method} /{path} with something that is not JSON; is it a vmorph server?");
            }
        }
    }

    /// <summary>Every page of a paged list (<c>?offset&amp;limit</c>), items in order.</summary>
    public async Task<List<JsonNode>> GetAllAsync(string path, CancellationToken cancellationToken)
    {
        var items = new List<JsonNode>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        while (true)
        {
            var page = await GetAsync($"{path}{separator}offset={items.Count}&limit=500", cancellationToken);
            var batch = page["items"]?.AsArray() ?? throw new CliException($"the server at {Server} answered /{path} without items; is it a vmorph server?");
            items.AddRange(batch.Select(i => i!.DeepClone()));
            if (batch.Count == 0 || items.Count >= (page["total"]?.GetValue<int>() ?? 0)) return items;
        }
    }

    /// <summary>Reads an answer as a view record, with the views' JSON conventions.</summary>
    public static T Read<T>(JsonNode node) => node.Deserialize<T>(JsonViews.Options) ?? throw new CliException("the server's answer is empty");

    /// <summary>Writes an answer's JSON as the CLI writes JSON (indented, readable characters).</summary>
    public static string Print(JsonNode node) => node.ToJsonString(JsonViews.Options);

    private CliException Failure(HttpStatusCode status, string text, HttpMethod method, string path)
    {
        string? detail = null;
        var errors = new List<string>();
        try
        {
            var problem = JsonNode.Parse(text);
            detail = problem?["detail"]?.GetValue<string>() ?? problem?["title"]?.GetValue<string>();
            errors.AddRange(problem?["errors"]?.AsArray().Select(e => e?.GetValue<string>()).OfType<string>() ?? []);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // Not problem details (a proxy's page): the status says it.
        }
        var message = $"the server at {Server} answered {(int)status} to {method} /{path}: {detail ?? status.ToString()}";
        if (errors.Count > 0) message += "\n  " + string.Join("\n  ", errors);
        return new CliException(message, status == HttpStatusCode.NotFound ? ExitCodes.NotFound : ExitCodes.Error);
    }

    private static string ReadTokenFile(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            var buffer = new byte[MaxTokenFile + 1];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (read > MaxTokenFile) throw new CliException($"--token-file {file}: larger than {MaxTokenFile} bytes; it must hold the token alone");
            return Encoding.UTF8.GetString(buffer, 0, read).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--token-file {file}: {e.Message}");
        }
    }

    public void Dispose() => http.Dispose();
}
