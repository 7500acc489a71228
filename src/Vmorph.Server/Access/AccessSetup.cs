using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Vmorph.Access;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Server.Access;

/// <summary>
/// Access control: API tokens with roles (viewer &lt; operator &lt; admin) from the store, a bearer authentication
/// handler, the policies of <see cref="AccessPolicies"/>, a fallback policy that needs a token everywhere (only
/// endpoints marked anonymous, health, answer without one), the audit of every mutation, and where the server may
/// listen (loopback over HTTP; HTTPS with a configured certificate).
/// </summary>
public static class AccessSetup
{
    /// <summary>
    /// Registers authentication and authorisation, the token store and the audit log, and HTTPS with the configured
    /// certificate. Throws <see cref="ServeConfigurationException"/> for plain HTTP beyond loopback (unless
    /// <see cref="ServeOptions.AllowInsecureHttp"/>), an https URL without a certificate, or a certificate that does not load.
    /// </summary>
    public static IServiceCollection AddVmorphAccess(this IServiceCollection services, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificate = Listeners.Check(options);
        if (certificate is not null)
            services.Configure<KestrelServerOptions>(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));

        services.AddSingleton(_ => SqliteAccessStore.Open(Path.Combine(options.DataDirectory, "vmorph.db"), options.Clock));
        services.AddSingleton<ITokenStore>(sp => sp.GetRequiredService<SqliteAccessStore>());
        services.AddSingleton<IAuditStore>(sp => sp.GetRequiredService<SqliteAccessStore>());
        services.AddSingleton(sp => new ApiTokens(sp.GetRequiredService<ITokenStore>(), sp.GetRequiredService<IAuditStore>(), options.Clock));
        services.AddSingleton<IAuditLog>(sp => new StoreAuditLog(sp.GetRequiredService<IAuditStore>(), options.Clock));

        services.AddProblemDetails();
        services.AddAuthentication(ApiTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, configureOptions: null);
        var authenticated = new AuthorizationPolicyBuilder(ApiTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(authenticated)
            .SetFallbackPolicy(authenticated)
            .AddPolicy(AccessPolicies.Viewer, RoleAtLeast(AccessRole.Viewer))
            .AddPolicy(AccessPolicies.Operator, RoleAtLeast(AccessRole.Operator))
            .AddPolicy(AccessPolicies.Admin, RoleAtLeast(AccessRole.Admin));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AccessResultHandler>();
        return services;
    }

    /// <summary>Adds authentication and authorisation to the pipeline and maps the access endpoints (audit, tokens).</summary>
    public static IApplicationBuilder UseVmorphAccess(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        if (app is IEndpointRouteBuilder endpoints) endpoints.MapVmorphAccessEndpoints();
        return app;
    }

    /// <summary>
    /// For <c>vmorph serve</c> at start: when no valid admin token exists, creates one named <c>admin</c> and returns
    /// it, for its secret to be printed once (it is never logged); otherwise null.
    /// </summary>
    public static Task<IssuedToken?> EnsureAdminTokenAsync(this IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<ApiTokens>().EnsureAdminTokenAsync("serve", cancellationToken);

    // Roles nest: the policy of a role admits it and every role above it.
    private static AuthorizationPolicy RoleAtLeast(AccessRole role) =>
        new AuthorizationPolicyBuilder(ApiTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(AccessRoles.All.Where(r => r.Includes(role)).Select(r => r.Name()))
            .Build();
}
