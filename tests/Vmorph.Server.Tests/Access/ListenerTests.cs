using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vmorph.Server.Access;

namespace Vmorph.Server.Tests.Access;

/// <summary>Where the server may listen: loopback over HTTP, HTTPS with a certificate, plain HTTP beyond loopback only when told.</summary>
[Collection(ServerCollection.Name)]
public sealed class ListenerTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-tls-").FullName;

    private ServeOptions Options(params string[] urls) => new() { DataDirectory = directory, Urls = urls };

    [Theory]
    [InlineData("http://127.0.0.1:8787")]
    [InlineData("http://localhost:8787")]
    [InlineData("http://[::1]:8787")]
    [InlineData("http://127.0.0.2:8787")]
    public void PlainHttp_OnLoopback_IsAllowed(string url) => Assert.Null(Listeners.Check(Options(url)));

    [Theory]
    [InlineData("http://0.0.0.0:8787")]
    [InlineData("http://*:8787")]
    [InlineData("http://+:8787")]
    [InlineData("http://192.0.2.10:8787")]
    [InlineData("http://vmorph.example.com:8787")]
    public void PlainHttp_BeyondLoopback_IsRefusedSayingWhatToDo(string url)
    {
        var e = Assert.Throws<ServeConfigurationException>(() => Listeners.Check(Options(url)));
        Assert.Equal($"--urls: '{url}' serves plain HTTP beyond loopback, where API tokens would cross the network in clear text: "
            + "use https:// with --certificate and --certificate-key, or --allow-insecure-http when a proxy in front terminates TLS", e.Message);
    }

    [Fact]
    public void PlainHttp_BeyondLoopback_WhenAllowedExplicitly_IsAccepted() =>
        Assert.Null(Listeners.Check(Options("http://0.0.0.0:8787") with { AllowInsecureHttp = true }));

    [Fact]
    public void Https_WithoutACertificate_IsRefused_AndEveryProblemIsReportedTogether()
    {
        var e = Assert.Throws<ServeConfigurationException>(() => Listeners.Check(Options("https://127.0.0.1:8443", "http://0.0.0.0:80")));
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains("'https://127.0.0.1:8443' is https but no certificate is configured", e.Errors[0], StringComparison.Ordinal);
        Assert.Contains("'http://0.0.0.0:80' serves plain HTTP beyond loopback", e.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_WithoutItsKey_OrMissing_OrWithoutAnHttpsUrl_IsRefused()
    {
        var (certificate, key) = WriteCertificate();
        Assert.Contains("needs both --certificate", Assert.Throws<ServeConfigurationException>(() =>
            Listeners.Check(Options("https://127.0.0.1:8443") with { CertificatePath = certificate })).Message, StringComparison.Ordinal);
        Assert.Contains("no such file: /nonexistent.pem", Assert.Throws<ServeConfigurationException>(() =>
            Listeners.Check(Options("https://127.0.0.1:8443") with { CertificatePath = "/nonexistent.pem", CertificateKeyPath = key })).Message, StringComparison.Ordinal);
        Assert.Contains("a certificate is configured but no URL is https", Assert.Throws<ServeConfigurationException>(() =>
            Listeners.Check(Options("http://127.0.0.1:8787") with { CertificatePath = certificate, CertificateKeyPath = key })).Message, StringComparison.Ordinal);
        Assert.Contains("does not load", Assert.Throws<ServeConfigurationException>(() =>
            Listeners.Check(Options("https://127.0.0.1:8443") with { CertificatePath = key, CertificateKeyPath = certificate })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_WithACertificate_ServesHttpsWithIt_OnAnyAddress()
    {
        var (certificatePath, keyPath) = WriteCertificate();
        using var expected = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
        var options = Options("https://0.0.0.0:0") with { CertificatePath = certificatePath, CertificateKeyPath = keyPath };
        await using var app = VmorphServer.Build(options);
        await app.StartAsync();
        try
        {
            var port = new Uri(app.Urls.Single()).Port;
            string? presented = null;
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate?.Thumbprint;
                    return certificate?.Thumbprint == expected.Thumbprint;
                },
            };
            using var client = new HttpClient(handler);
            using var response = await client.GetAsync(new Uri($"https://127.0.0.1:{port}/health/live"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(expected.Thumbprint, presented);
            using var unauthenticated = await client.GetAsync(new Uri($"https://127.0.0.1:{port}/api/v1/audit"));
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private (string Certificate, string Key) WriteCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        var certificatePath = Path.Combine(directory, "server.pem");
        var keyPath = Path.Combine(directory, "server.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
