using Microsoft.Extensions.DependencyInjection;

namespace Vmorph.Server;

/// <summary>Wires the loop (src/Vmorph.Loop) into the server: the store, the hypervisors or the replay, the collectors.</summary>
internal static class ServerLoop
{
    /// <summary>Registers the loop's services.</summary>
    public static void AddTo(IServiceCollection services, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
    }
}
