using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Vmorph.Server.Dashboard;

/// <summary>
/// The web dashboard: the files built from <c>dashboard/</c> (embedded in this assembly), served at <c>/</c>. The files
/// are anonymous (they hold no data: every API call they make carries the user's token); <c>index.html</c> answers
/// the client routes (<c>/</c>, <c>/vms/...</c>) and is revalidated on every load, while the hashed files under
/// <c>/assets/</c> are cached for a year.
/// </summary>
public static class DashboardSetup
{
    /// <summary>The tag of the dashboard's endpoints in the routing table (they are anonymous by design).</summary>
    public const string EndpointTag = "dashboard";

    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>The dashboard's built files, as embedded (index.html, assets/...).</summary>
    internal static IFileProvider Files { get; } = new ManifestEmbeddedFileProvider(typeof(DashboardSetup).Assembly, "dashboard");

    /// <summary>Serves the dashboard.</summary>
    public static IEndpointRouteBuilder MapVmorphDashboard(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").AllowAnonymous().ExcludeFromDescription().WithTags(EndpointTag);
        group.MapGet("/", (HttpContext context) => Page(context));
        group.MapGet("/vms/{**vm}", (HttpContext context) => Page(context));
        group.MapGet("/assets/{**file}", (string file, HttpContext context) => Asset(file, context));
        return endpoints;
    }

    /// <summary>The single page (the client routes it): revalidated on every load, so a new build shows at once.</summary>
    private static IResult Page(HttpContext context)
    {
        var index = Files.GetFileInfo("index.html");
        if (!index.Exists) return Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "The dashboard was not built into this server");
        Secure(context.Response, "no-cache");
        return Send(index);
    }

    /// <summary>A built file: its name carries a content hash, so it never changes and is cached for a year.</summary>
    private static IResult Asset(string file, HttpContext context)
    {
        var asset = Files.GetFileInfo("assets/" + file);
        if (!asset.Exists || asset.IsDirectory || !ContentTypes.TryGetContentType(asset.Name, out _))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such dashboard file", detail: "/assets/" + file);
        Secure(context.Response, "public, max-age=31536000, immutable");
        return Send(asset);
    }

    private static IResult Send(IFileInfo file)
    {
        ContentTypes.TryGetContentType(file.Name, out var contentType);
        var tag = new EntityTagHeaderValue($"\"{file.LastModified.ToUnixTimeSeconds():x}-{file.Length:x}\"");
        return Results.Stream(file.CreateReadStream(), contentType ?? "application/octet-stream", lastModified: file.LastModified, entityTag: tag);
    }

    private static void Secure(HttpResponse response, string cacheControl)
    {
        response.Headers.CacheControl = cacheControl;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
