using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Vmorph.Server.Api;

/// <summary>The REST API under <c>/api/v1</c>.</summary>
public static class ApiSetup
{
    /// <summary>Registers what the API needs.</summary>
    public static IServiceCollection AddVmorphApi(this IServiceCollection services) => services;

    /// <summary>Maps every API endpoint.</summary>
    public static IEndpointRouteBuilder MapVmorphApi(this IEndpointRouteBuilder endpoints) => endpoints;
}
