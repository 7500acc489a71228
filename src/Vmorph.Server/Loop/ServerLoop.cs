using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vmorph.Collection;
using Vmorph.Libvirt;
using Vmorph.Loop;
using Vmorph.Loop.Hosting;
using Vmorph.Morphing;
using Vmorph.Policies;
using Vmorph.Privacy;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;
using Vmorph.TargetProfiles;
using Vmorph.Traits;

namespace Vmorph.Server.Loop;

/// <summary>
/// Wires the loop (src/Vmorph.Loop) into the server: the store (SQLite in the data directory; a replay's in a
/// directory of its own, started afresh), the catalogs, the morph backends, the collectors, recovery at start and a
/// graceful stop.
/// </summary>
internal static class ServerLoop
{
    /// <summary>Registers the loop's services.</summary>
    public static void AddTo(IServiceCollection services, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var fleet = FleetSource.For(options);
        services.AddSingleton(fleet);
        services.AddMetrics();
        services.AddSingleton<LoopMetrics>();
        services.AddSingleton<LoopEvents>();
        services.AddSingleton<MorphTracker>();
        services.AddSingleton<MorphBackends>();
        services.AddSingleton<IMorphBackends>(sp => sp.GetRequiredService<MorphBackends>());
        services.AddSingleton<IFleetStore>(sp => new SerializedFleetStore(SqliteFleetStore.Open(fleet.StorePath, fleet.Clock)));
        services.AddSingleton<IMorphJournal>(sp => new SerializedMorphJournal(SqliteMorphJournal.Open(fleet.StorePath, fleet.Clock)));
        services.AddSingleton<IControlStore>(sp => SqliteControlStore.Open(fleet.StorePath, fleet.Clock));
        services.AddSingleton(sp => new LoopServices(
            sp.GetRequiredService<IFleetStore>(), sp.GetRequiredService<IControlStore>(), sp.GetRequiredService<IMorphBackends>(),
            Catalogs(options), fleet.Settings(options), fleet.Clock, sp.GetRequiredService<LoopEvents>(), sp.GetRequiredService<LoopMetrics>(),
            sp.GetRequiredService<MorphTracker>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IFleetLoop, FleetLoop>();
        services.AddHostedService<LoopStartup>();
        services.AddHostedService<CollectorService>();
    }

    /// <summary>The policies, targets and archetypes: built-in, then the data directory's, then the options'.</summary>
    public static LoopCatalogs Catalogs(ServeOptions options)
    {
        var archetypeDocuments = new List<(string, string)> { (ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()) };
        archetypeDocuments.AddRange(YamlFiles(Path.Combine(options.DataDirectory, "archetypes")));
        if (options.Archetypes is { } a) archetypeDocuments.AddRange(YamlFiles(a));
        var archetypes = Valid(ArchetypeCatalog.Build(archetypeDocuments), "archetypes");

        var policyDocuments = new List<(string, string)>(PolicyCatalog.BuiltInDocuments());
        policyDocuments.AddRange(YamlFiles(Path.Combine(options.DataDirectory, "policies")));
        if (options.Policies is { } p) policyDocuments.AddRange(YamlFiles(p));
        var policies = Valid(PolicyCatalog.Build(policyDocuments), "policies");

        var targetDocuments = new List<(string, string)>(TargetProfileCatalog.ReadDirectory(Path.Combine(options.DataDirectory, "targets")));
        if (options.Targets is { } t) targetDocuments.AddRange(TargetProfileCatalog.ReadDirectory(t));
        var known = archetypes.Archetypes.Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
        var targets = Valid(TargetProfileCatalog.WithUserProfiles(targetDocuments, known), "target profiles");
        return new LoopCatalogs(policies, targets, archetypes);
    }

    private static T Valid<T>(Result<T> result, string what) =>
        result.IsSuccess ? result.Value : throw new ServeException($"the {what} are not valid:\n  " + string.Join("\n  ", result.Errors));

    private static List<(string, string)> YamlFiles(string path)
    {
        if (File.Exists(path)) return [(path, File.ReadAllText(path))];
        if (!Directory.Exists(path)) return [];
        return [.. Directory.EnumerateFiles(path)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(f)))];
    }
}

/// <summary>A problem with what <c>vmorph serve</c> was given (a store it cannot open, invalid policies): one line for the user.</summary>
public sealed class ServeException(string message) : Exception(message);

/// <summary>
/// Where the fleet comes from: libvirt connections (live), or a trace replayed through a replay hypervisor at an
/// accelerated clock, with a store of its own.
/// </summary>
public sealed class FleetSource
{
    private FleetSource(string storePath, TimeProvider clock, IReadOnlyList<(string Uri, string Source, IHypervisor Hypervisor)> connections, bool replay)
    {
        StorePath = storePath;
        Clock = clock;
        Connections = connections;
        Replay = replay;
    }

    /// <summary>The store file.</summary>
    public string StorePath { get; }

    /// <summary>The loop's clock.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The hypervisor connections, each with its profile source name.</summary>
    public IReadOnlyList<(string Uri, string Source, IHypervisor Hypervisor)> Connections { get; }

    /// <summary>Whether it is a replay.</summary>
    public bool Replay { get; }

    /// <summary>The fleet the options name.</summary>
    public static FleetSource For(ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        if (options.ReplayTrace is { } trace) return ReplaySource.Create(options, trace);
        var clock = options.Clock;
        return new FleetSource(Path.Combine(options.DataDirectory, "vmorph.db"), clock,
            [.. options.HypervisorUris.Select(u => (u, "libvirt:" + u, (IHypervisor)new LibvirtHypervisor(clock)))], replay: false);
    }

    internal static FleetSource Replayed(string storePath, TimeProvider clock, string uri, string source, IHypervisor hypervisor) =>
        new(storePath, clock, [(uri, source, hypervisor)], replay: true);

    /// <summary>The loop's settings for this fleet.</summary>
    public LoopSettings Settings(ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LoopSettings
        {
            Replay = Replay,
            Step = options.CollectInterval,
            AnonymisationKey = AnonymisationKeyFile.LoadOrCreate(options.DataDirectory),
        };
    }
}
