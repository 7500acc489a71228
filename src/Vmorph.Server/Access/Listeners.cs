using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Vmorph.Server.Access;

/// <summary>
/// Where the server may listen: loopback over plain HTTP; anywhere over HTTPS with the configured certificate; plain
/// HTTP beyond loopback only with <see cref="ServeOptions.AllowInsecureHttp"/>.
/// </summary>
internal static class Listeners
{
    /// <summary>The certificate to serve HTTPS with (null without one), after checking every URL; throws <see cref="ServeConfigurationException"/>.</summary>
    public static X509Certificate2? Check(ServeOptions options)
    {
        var errors = new List<string>();
        var certificate = LoadCertificate(options, errors);
        foreach (var url in options.Urls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException e)
            {
                errors.Add($"--urls: '{url}' is not a URL to listen on ({e.Message})");
                continue;
            }
            if (address.IsUnixPipe) continue;
            var https = string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase);
            if (https && certificate is null && options.CertificatePath is null)
                errors.Add($"--urls: '{url}' is https but no certificate is configured: give --certificate FILE.pem and --certificate-key KEY.pem");
            else if (!https && !IsLoopback(address.Host) && !options.AllowInsecureHttp)
                errors.Add($"--urls: '{url}' serves plain HTTP beyond loopback, where API tokens would cross the network in clear text: "
                    + "use https:// with --certificate and --certificate-key, or --allow-insecure-http when a proxy in front terminates TLS");
        }
        if (certificate is not null && !options.Urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
            errors.Add($"a certificate is configured but no URL is https: give --urls https://ADDRESS:PORT (now: {string.Join(", ", options.Urls)})");
        if (errors.Count > 0)
        {
            certificate?.Dispose();
            throw new ServeConfigurationException(errors);
        }
        return certificate;
    }

    /// <summary>Whether a listening host is loopback only (<c>localhost</c>, 127.0.0.0/8, ::1); <c>*</c>, <c>+</c> and 0.0.0.0 are not.</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static X509Certificate2? LoadCertificate(ServeOptions options, List<string> errors)
    {
        if (options.CertificatePath is null && options.CertificateKeyPath is null) return null;
        if (options.CertificatePath is null || options.CertificateKeyPath is null)
        {
            errors.Add("TLS needs both --certificate (PEM certificate) and --certificate-key (its PEM private key)");
            return null;
        }
        foreach (var file in new[] { options.CertificatePath, options.CertificateKeyPath }.Where(f => !File.Exists(f)))
            errors.Add($"no such file: {file}");
        if (errors.Count > 0) return null;
        try
        {
            return X509Certificate2.CreateFromPemFile(options.CertificatePath, options.CertificateKeyPath);
        }
        catch (CryptographicException e)
        {
            errors.Add($"the certificate {options.CertificatePath} with key {options.CertificateKeyPath} does not load: {e.Message}");
            return null;
        }
    }
}
