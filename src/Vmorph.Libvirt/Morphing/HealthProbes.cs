using System.Net.Sockets;
using Vmorph.Guard;
using Vmorph.Morphing;

namespace Vmorph.Libvirt.Morphing;

/// <summary>
/// Health probes from a URL: <c>tcp://HOST:PORT</c> (a TCP connect) or <c>http://…</c> / <c>https://…</c> (a GET that
/// must answer 2xx or 3xx), each within a time-out. A URL with a user name or password is refused: it would be logged
/// and stored. A URL with a query is used, but shown with its query elided and not stored with the morph (a query can
/// carry a token), so a morph recovered after a crash observes without it.
/// </summary>
public static class HealthProbes
{
    /// <summary>The probe a URL names, or why it names none.</summary>
    public static Result<IHealthProbe> Parse(string url, TimeProvider clock, TimeSpan timeout)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return Result<IHealthProbe>.Fail($"--probe: '{url}' is not a URL (tcp://HOST:PORT, http://HOST[:PORT]/PATH)");
        if (uri.UserInfo.Length > 0)
            return Result<IHealthProbe>.Fail($"--probe: {Shown(uri)} has a user name or password in it; vmorph would log and store it, so it refuses the URL (the probe must answer without credentials)");
        return uri.Scheme switch
        {
            "tcp" when uri.Port > 0 => Result<IHealthProbe>.Ok(new TcpProbe(uri.Host, uri.Port, clock, timeout)),
            "tcp" => Result<IHealthProbe>.Fail($"--probe: '{url}' has no port (tcp://HOST:PORT)"),
            "http" or "https" => Result<IHealthProbe>.Ok(new HttpProbe(uri, clock, timeout)),
            _ => Result<IHealthProbe>.Fail($"--probe: '{url}': only tcp://, http:// and https:// probes exist"),
        };
    }

    /// <summary>A URL as messages show it: no user information, and the query, if any, elided.</summary>
    private static string Shown(Uri uri) =>
        uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) + (uri.Query.Length > 0 ? "?…" : "");

    private sealed class TcpProbe(string host, int port, TimeProvider clock, TimeSpan timeout) : IHealthProbe
    {
        public string Description => $"tcp://{host}:{port}";

        public string Address => Description;

        public async Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
        {
            var started = clock.GetTimestamp();
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(host, port, limit.Token);
                return new ProbeResult(clock.GetUtcNow(), true, clock.GetElapsedTime(started));
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new ProbeResult(clock.GetUtcNow(), false);
            }
        }
    }

    private sealed class HttpProbe(Uri uri, TimeProvider clock, TimeSpan timeout) : IHealthProbe
    {
        private static readonly HttpClient Client = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };

        public string Description => Shown(uri);

        public string? Address => uri.Query.Length > 0 ? null : uri.AbsoluteUri;

        public async Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
        {
            var started = clock.GetTimestamp();
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                using var response = await Client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, limit.Token);
                var ok = (int)response.StatusCode is >= 200 and < 400;
                return new ProbeResult(clock.GetUtcNow(), ok, ok ? clock.GetElapsedTime(started) : null);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new ProbeResult(clock.GetUtcNow(), false);
            }
        }
    }
}
