using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vmorph.Collection;
using Vmorph.Libvirt;
using Vmorph.Libvirt.Morphing;
using Vmorph.Loop;
using Vmorph.Loop.Hosting;
using Vmorph.Morphing;
using Vmorph.Policies;
using Vmorph.Guest.Privacy;
using Vmorph.Replay;
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
        services.AddSingleton<IMorphJournal>(sp => new SerializedMorphJournal(SqliteMorphJournal.Open(fleet.StorePath, fleet.Clock, fleet.JournalSyncsEveryCommit)));
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
    private FleetSource(string storePath, TimeProvider clock, IReadOnlyList<Connection> connections, bool replay, TimeSpan? step = null, IReadOnlyList<string>? notes = null)
    {
        StorePath = storePath;
        Clock = clock;
        Connections = connections;
        Replay = replay;
        Step = step;
        Notes = notes ?? [];
    }

    /// <summary>
    /// One hypervisor connection: its URI, the source name its VMs' profiles carry, the hypervisor the collector reads,
    /// and how to make its morph backend once the journal and store are open.
    /// </summary>
    public sealed record Connection(string Uri, string Source, IHypervisor Hypervisor, Func<IMorphJournal, IFleetStore, Action<MorphProgress>, CancellationToken, Task<MorphBackend>> Backend);

    /// <summary>The collection step a replay dictates (its trace's), or null for the options'.</summary>
    public TimeSpan? Step { get; }

    /// <summary>What loading the fleet said, for the log.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The store file.</summary>
    public string StorePath { get; }

    /// <summary>The loop's clock.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The hypervisor connections.</summary>
    public IReadOnlyList<Connection> Connections { get; }

    /// <summary>Whether it is a replay.</summary>
    public bool Replay { get; }

    /// <summary>
    /// Whether the morph journal syncs every commit to disk, so that an entry survives a power cut before its actions
    /// run (docs/MORPHING.md): for real VMs. Not for a replay, whose VMs are simulated in this process and its store
    /// started afresh: a crash of the machine loses those VMs with the last entries about them, and a crash of the
    /// process loses no committed entry either way (WAL).
    /// </summary>
    public bool JournalSyncsEveryCommit => !Replay;

    /// <summary>The fleet the options name.</summary>
    public static FleetSource For(ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        if (options.ReplayTrace is { } trace) return Replayed(options, trace);
        var clock = options.Clock;
        return new FleetSource(Path.Combine(options.DataDirectory, "vmorph.db"), clock,
            [.. options.HypervisorUris.Select(u => new Connection(u, "libvirt:" + u, new LibvirtHypervisor(clock, new Vmorph.Guest.GuestReadOptions { Timeout = options.GuestTimeout }), (journal, store, progress, token) => LibvirtBackendAsync(u, clock, journal, store, progress, token)))],
            replay: false);
    }

    private static async Task<MorphBackend> LibvirtBackendAsync(string uri, TimeProvider clock, IMorphJournal journal, IFleetStore store, Action<MorphProgress> progress, CancellationToken cancellationToken)
    {
        var opened = LibvirtMorphDriver.Open(uri, clock);
        if (!opened.IsSuccess) throw new ServeException($"cannot connect to {uri}: " + string.Join("; ", opened.Errors));
        var host = await opened.Value.ReadHostAsync(cancellationToken);
        if (!host.IsSuccess) throw new ServeException($"cannot read what the host of {uri} can do: " + string.Join("; ", host.Errors));
        var options = new MorphEngineOptions
        {
            Host = host.Value.Capabilities,
            Progress = progress,
            AfterJournaled = MorphCrashHook.From(Environment.GetEnvironmentVariable(MorphCrashHook.Variable), message =>
            {
                Console.Error.WriteLine("vmorph serve: " + message);
                Console.Error.Flush();
            }),
        };
        var engine = new MorphEngine(journal, store, opened.Value, opened.Value, clock, options);
        return new MorphBackend(engine, opened.Value, host.Value.Capabilities);
    }

    // A replay: the trace's VMs (cloned up to the number asked for) behind a replay hypervisor, on a clock that runs
    // ReplaySpeed times faster than the options' clock, with a store of its own, started afresh: what the replay does
    // never mixes with the real fleet's store.
    private static FleetSource Replayed(ServeOptions options, string trace)
    {
        if (!File.Exists(trace) && !Directory.Exists(trace)) throw new ServeException($"--replay: no such file or directory: {trace}");
        var loaded = ReplayFleet.Load([trace], new ReplayFleetOptions { ReplicateTo = options.ReplayVms }, CancellationToken.None);
        if (!loaded.IsSuccess) throw new ServeException($"--replay {trace}: " + string.Join("; ", loaded.Errors));
        var fleet = loaded.Value;
        var clock = new ReplayClock(options.ReplayStart ?? fleet.Start, options.ReplaySpeed, options.Clock);
        var directory = Path.Combine(options.DataDirectory, "replay");
        if (options.ReplayFresh && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        var connection = new Connection(fleet.Uri, "replay:" + fleet.Name, new ReplayHypervisor(fleet, clock), (journal, store, progress, _) =>
        {
            var host = new ReplayMorphHost(fleet, clock);
            // Leases are renewed on the accelerated clock, but written to a real store: they last as long in real time
            // as a live one does, or a busy machine would lose them between two renewals.
            var engineOptions = new MorphEngineOptions { Host = ReplayHost.Capabilities, Progress = progress };
            engineOptions = engineOptions with
            {
                LeaseDuration = engineOptions.LeaseDuration * clock.Speed,
                LeasePollInterval = engineOptions.LeasePollInterval * clock.Speed,
            };
            var engine = new MorphEngine(journal, store, new ReplayMorphDriver(fleet, clock), host, clock, engineOptions);
            return Task.FromResult(new MorphBackend(engine, host, ReplayHost.Capabilities));
        });
        return new FleetSource(Path.Combine(directory, "vmorph.db"), clock, [connection], replay: true, fleet.Step, fleet.Notes);
    }

    /// <summary>The loop's settings for this fleet.</summary>
    public LoopSettings Settings(ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LoopSettings
        {
            Replay = Replay,
            Step = Step ?? options.CollectInterval,
            AnonymisationKey = AnonymisationKeyFile.LoadOrCreate(options.DataDirectory),
        };
    }
}
