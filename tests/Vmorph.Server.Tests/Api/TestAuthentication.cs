using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Vmorph.Server.Tests.Api;

/// <summary>
/// Stands in for the token scheme until access control lands: <c>X-Test-Role: viewer|operator|admin</c> (or the bearer
/// token <c>viewer</c>, <c>operator</c>, <c>admin</c>, as the CLI sends it) authenticates as <c>test-ROLE</c> with that
/// role; anything else, no identity (401).
/// </summary>
internal sealed class TestAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";
    public const string Header = "X-Test-Role";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? role = Request.Headers.TryGetValue(Header, out var header) && header.Count == 1 ? header[0] : null;
        if (role is null && Request.Headers.Authorization is [{ } bearer] && bearer.StartsWith("Bearer ", StringComparison.Ordinal)) role = bearer["Bearer ".Length..];
        if (role is not ("viewer" or "operator" or "admin")) return Task.FromResult(AuthenticateResult.NoResult());
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "test-" + role), new Claim(ClaimTypes.Role, role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
