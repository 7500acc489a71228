using System.Net;
using System.Net.Sockets;
using Vmorph.Libvirt.Morphing;

namespace Vmorph.Libvirt.Tests.Morphing;

/// <summary>
/// The guard's health probes from a URL: what is refused, what is shown and stored, and a TCP probe against a real
/// socket on this host.
/// </summary>
public sealed class HealthProbesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Fact]
    public void Parse_UrlWithAPassword_IsRefusedWithoutRepeatingIt()
    {
        var parsed = HealthProbes.Parse("http://admin:hunter2@10.0.0.5/health", TimeProvider.System, Timeout);

        Assert.False(parsed.IsSuccess);
        var message = Assert.Single(parsed.Errors);
        Assert.Contains("user name or password", message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HttpUrlWithAQuery_IsShownWithTheQueryElidedAndNotStored()
    {
        var probe = HealthProbes.Parse("http://10.0.0.5:8080/health?token=s3cret", TimeProvider.System, Timeout).Value;

        Assert.Equal("http://10.0.0.5:8080/health?…", probe.Description);
        Assert.Null(probe.Address);
    }

    [Theory]
    [InlineData("http://10.0.0.5:8080/health", "http://10.0.0.5:8080/health")]
    [InlineData("https://web-1.example/", "https://web-1.example/")]
    [InlineData("tcp://10.0.0.5:5432", "tcp://10.0.0.5:5432")]
    public void Parse_UrlWithoutSecrets_IsStoredAsGivenAndMakesTheSameProbeAgain(string url, string address)
    {
        var probe = HealthProbes.Parse(url, TimeProvider.System, Timeout).Value;

        Assert.Equal(address, probe.Address);
        var again = HealthProbes.Parse(probe.Address!, TimeProvider.System, Timeout).Value;
        Assert.Equal(probe.Description, again.Description);
    }

    [Theory]
    [InlineData("not a url", "is not a URL")]
    [InlineData("tcp://10.0.0.5", "has no port")]
    [InlineData("ftp://10.0.0.5/", "only tcp://, http:// and https://")]
    public void Parse_UrlNotAProbe_SaysWhy(string url, string reason)
    {
        var parsed = HealthProbes.Parse(url, TimeProvider.System, Timeout);

        Assert.False(parsed.IsSuccess);
        Assert.Contains(reason, Assert.Single(parsed.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TcpProbe_ListeningPortThenClosed_SucceedsThenFails()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var probe = HealthProbes.Parse($"tcp://127.0.0.1:{port}", TimeProvider.System, Timeout).Value;

        var open = await probe.ProbeAsync(CancellationToken.None);
        listener.Stop();
        var closed = await probe.ProbeAsync(CancellationToken.None);

        Assert.True(open.Success);
        Assert.NotNull(open.Latency);
        Assert.False(closed.Success);
    }
}
