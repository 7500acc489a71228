using Microsoft.Extensions.DependencyInjection;
using Vmorph.Loop.Hosting;
using Vmorph.Morphing;
using Vmorph.Policies;
using Vmorph.Server.Loop;
using Vmorph.Store;
using Vmorph.TargetProfiles;
using Vmorph.Traits;

namespace Vmorph.Server.Api;

/// <summary>
/// What the API reads beside the loop: the server's store (profiles, configuration history, raw windows) and morph
/// journal, as registered for the loop (a replay's are its own), and the catalogs: the loop's archetypes, and the
/// policy and target files, read again for each request so that an upload is seen at once. After an upload the loop's
/// catalogs are replaced, so its grains match policies again.
/// </summary>
internal sealed class FleetData(ServeOptions options, IServiceProvider services)
{
    private IFleetStore Store => services.GetRequiredService<IFleetStore>();

    private IMorphJournal Journal => services.GetRequiredService<IMorphJournal>();

    private LoopServices Loop => services.GetRequiredService<LoopServices>();

    /// <summary>The data directory.</summary>
    public string DataDirectory => options.DataDirectory;

    /// <summary>The archetype catalog the loop scores traits with.</summary>
    public ArchetypeCatalog Archetypes => Loop.Catalogs.Archetypes;

    /// <summary>Reads from the store and the journal (both safe from several threads, as the loop registers them).</summary>
    public Task<T> ReadAsync<T>(Func<IFleetStore, IMorphJournal, Task<T>> read, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return read(Store, Journal);
    }

    /// <summary>The policy catalog (built-in, DATA_DIR/policies, <see cref="ServeOptions.Policies"/>), with <c>replacing.yaml</c> replaced by <paramref name="yaml"/>; or every error in it.</summary>
    public Result<PolicyCatalog> Policies(string? replacing = null, string? yaml = null)
    {
        var documents = CatalogFiles.Read(Path.Combine(options.DataDirectory, CatalogFiles.PoliciesFolder), replacing, yaml);
        if (options.Policies is { } extra) documents = [.. documents, .. CatalogFiles.ReadPath(extra)];
        return PolicyCatalog.Build([.. PolicyCatalog.BuiltInDocuments(), .. documents]);
    }

    /// <summary>The target profile catalog (built-in, DATA_DIR/targets, <see cref="ServeOptions.Targets"/>), with <c>replacing.yaml</c> replaced by <paramref name="yaml"/>; or every error in it.</summary>
    public Result<TargetProfileCatalog> Targets(string? replacing = null, string? yaml = null)
    {
        var documents = CatalogFiles.Read(Path.Combine(options.DataDirectory, CatalogFiles.TargetsFolder), replacing, yaml);
        if (options.Targets is { } extra) documents = [.. documents, .. CatalogFiles.ReadPath(extra)];
        return TargetProfileCatalog.WithUserProfiles(documents, Archetypes.Archetypes.Select(a => a.Name).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Gives the loop the catalogs as the files say now (after an upload): its grains match policies again.</summary>
    public void Reload() => Loop.Replace(ServerLoop.Catalogs(options));
}
