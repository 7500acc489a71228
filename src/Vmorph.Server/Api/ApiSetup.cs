using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Vmorph.Server.Access;

namespace Vmorph.Server.Api;

/// <summary>The REST API under <c>/api/v1</c> (docs/API.md) and its OpenAPI document at <c>/openapi/v1.json</c>.</summary>
public static class ApiSetup
{
    /// <summary>The largest request body the server reads at all; endpoints read less (docs/API.md).</summary>
    public const long MaxRequestBody = 1024 * 1024;

    /// <summary>Registers what the API needs: JSON conventions, problem details, the OpenAPI document, the store reader.</summary>
    public static IServiceCollection AddVmorphApi(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions.Remove("exception");
        });
        services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = MaxRequestBody);
        services.AddTransient<IStartupFilter, ApiErrorsStartupFilter>();
        services.AddSingleton<FleetData>();
        services.AddOpenApi("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "vmorph",
                Version = "v1",
                Description = "The vmorph server's REST API: the fleet, profiles, traits, history, plans and morphs, labels, policies, target profiles, audit and a stream of changes. Every request but health carries 'Authorization: Bearer TOKEN'; every error is RFC 7807 problem details. See docs/API.md.",
            };
            document.Servers = [];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API token ('vmorph token create --role viewer|operator|admin --name NAME').",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>Maps every API endpoint and the OpenAPI document.</summary>
    public static IEndpointRouteBuilder MapVmorphApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // Inside the pipeline too, so that an endpoint's exception is answered here before a development exception
        // page (added by the host in the Development environment) could show its stack trace.
        if (endpoints is IApplicationBuilder app) app.UseMiddleware<ApiErrors>();
        var api = endpoints.MapGroup("/api/v1");
        FleetEndpoints.Map(api);
        PlanEndpoints.Map(api);
        CatalogEndpoints.Map(api);
        EventEndpoints.Map(api);
        endpoints.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(AccessPolicies.Viewer);
        return endpoints;
    }
}
