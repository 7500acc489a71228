using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Vmorph.Server.Access;

/// <summary>
/// Marks an endpoint that is not a GET yet changes nothing (<c>POST /api/v1/policies/validate</c>): a viewer may call
/// it, and the access test does not expect 403 for a viewer there. Every other non-GET endpoint is a mutation.
/// </summary>
public sealed class ReadOnlyEndpointAttribute : Attribute;

/// <summary>Declaring and reading <see cref="ReadOnlyEndpointAttribute"/>.</summary>
public static class AccessEndpointMetadata
{
    /// <summary>Declares that this non-GET endpoint changes nothing (validation): viewers may call it and it is not audited.</summary>
    public static TBuilder ReadsOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ReadOnlyEndpointAttribute());

    /// <summary>Whether the request changes nothing: a GET, HEAD or OPTIONS, or an endpoint declared <see cref="ReadsOnly{TBuilder}"/>.</summary>
    public static bool IsReadOnly(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)
        || context.GetEndpoint()?.Metadata.GetMetadata<ReadOnlyEndpointAttribute>() is not null;
}
