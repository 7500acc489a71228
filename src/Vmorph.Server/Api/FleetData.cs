using Vmorph.Morphing;
using Vmorph.Policies;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;
using Vmorph.TargetProfiles;
using Vmorph.Traits;

namespace Vmorph.Server.Api;

/// <summary>
/// What the API reads beside the loop: the store (profiles, configuration history, raw windows) and the morph journal,
/// on connections of its own to the loop's store (DATA_DIR/vmorph.db, or a replay's) (WAL: reads never wait for the loop's writes), one request at a time
/// (a store connection is not shared between threads); and the catalogs, built as the CLI builds them.
/// </summary>
internal sealed class FleetData : IDisposable
{
    private readonly ServeOptions options;
    private readonly string storePath;
    private readonly TimeProvider clock;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Lazy<ArchetypeCatalog> archetypes;
    private IFleetStore? store;
    private IMorphJournal? journal;

    public FleetData(ServeOptions options, Loop.FleetSource fleet)
    {
        this.options = options;
        // The loop's store: DATA_DIR/vmorph.db, or a replay's own.
        storePath = fleet.StorePath;
        clock = fleet.Clock;
        archetypes = new Lazy<ArchetypeCatalog>(LoadArchetypes);
    }

    /// <summary>The data directory.</summary>
    public string DataDirectory => options.DataDirectory;

    /// <summary>The archetype catalog: built-in, then DATA_DIR/archetypes, then <see cref="ServeOptions.Archetypes"/>.</summary>
    public ArchetypeCatalog Archetypes => archetypes.Value;

    /// <summary>Reads from the store and the journal, alone.</summary>
    public async Task<T> ReadAsync<T>(Func<IFleetStore, IMorphJournal, Task<T>> read, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            store ??= SqliteFleetStore.Open(storePath, clock);
            journal ??= SqliteMorphJournal.Open(storePath, clock);
            return await read(store, journal);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The policy documents: DATA_DIR/policies, then <see cref="ServeOptions.Policies"/> (a file or directory).</summary>
    public IReadOnlyList<(string Source, string Yaml)> PolicyDocuments(string? replacing = null, string? yaml = null)
    {
        var documents = CatalogFiles.Read(Path.Combine(options.DataDirectory, CatalogFiles.PoliciesFolder), replacing, yaml);
        if (options.Policies is { } extra) documents = [.. documents, .. CatalogFiles.ReadPath(extra)];
        return documents;
    }

    /// <summary>The policy catalog (built-in and the user's), or every error in it.</summary>
    public Result<PolicyCatalog> Policies(string? replacing = null, string? yaml = null) =>
        PolicyCatalog.Build([.. PolicyCatalog.BuiltInDocuments(), .. PolicyDocuments(replacing, yaml)]);

    /// <summary>The target profile catalog (built-in and the user's), or every error in it.</summary>
    public Result<TargetProfileCatalog> Targets(string? replacing = null, string? yaml = null)
    {
        var documents = CatalogFiles.Read(Path.Combine(options.DataDirectory, CatalogFiles.TargetsFolder), replacing, yaml);
        if (options.Targets is { } extra && Path.GetFullPath(extra).TrimEnd('/') != Path.GetFullPath(Path.Combine(options.DataDirectory, CatalogFiles.TargetsFolder)).TrimEnd('/'))
            documents = [.. documents, .. CatalogFiles.ReadPath(extra)];
        return TargetProfileCatalog.WithUserProfiles(documents, Archetypes.Archetypes.Select(a => a.Name).ToHashSet(StringComparer.Ordinal));
    }

    private ArchetypeCatalog LoadArchetypes()
    {
        var documents = new List<(string, string)> { (ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()) };
        documents.AddRange(CatalogFiles.ReadPath(Path.Combine(options.DataDirectory, "archetypes")));
        if (options.Archetypes is { } extra) documents.AddRange(CatalogFiles.ReadPath(extra));
        var catalog = ArchetypeCatalog.Build(documents);
        return catalog.IsSuccess ? catalog.Value : throw new InvalidOperationException("the archetypes are not valid: " + string.Join("; ", catalog.Errors));
    }

    public void Dispose()
    {
        store?.Dispose();
        journal?.Dispose();
        gate.Dispose();
    }
}
