using Vmorph.Forecasting;
using Microsoft.Extensions.Logging;
using Vmorph.Morphing;
using Vmorph.Planning;
using Vmorph.Policies;
using Vmorph.Store;
using Vmorph.TargetProfiles;
using Vmorph.Traits;

namespace Vmorph.Loop.Hosting;

/// <summary>What the loop knows to decide with, swapped whole when an admin uploads a policy or a target profile.</summary>
/// <param name="Policies">The policies (built-in and the user's).</param>
/// <param name="Targets">The target profiles.</param>
/// <param name="Archetypes">The archetypes traits are scored against.</param>
public sealed record LoopCatalogs(PolicyCatalog Policies, TargetProfileCatalog Targets, ArchetypeCatalog Archetypes);

/// <summary>The morph engine of one hypervisor connection, with the host it reads VMs from and what that host can do.</summary>
/// <param name="Engine">The engine (journal, leases, guard).</param>
/// <param name="Host">Finds VMs and reads their configuration.</param>
/// <param name="Capabilities">What the host can do (cores, memory, what applies live).</param>
public sealed record MorphBackend(MorphEngine Engine, IMorphHost Host, HostCapabilities Capabilities);

/// <summary>The morph backends by profile source (<c>libvirt:qemu:///system</c>, <c>replay:bitbrains-rnd</c>).</summary>
public interface IMorphBackends
{
    /// <summary>The backend that morphs VMs of <paramref name="source"/>, or null when none does (an imported trace's VMs).</summary>
    MorphBackend? For(string source);

    /// <summary>Every backend.</summary>
    IReadOnlyCollection<MorphBackend> All { get; }
}

/// <summary>How the loop runs.</summary>
public sealed record LoopSettings
{
    /// <summary>Whether the fleet is replayed from a trace.</summary>
    public bool Replay { get; init; }

    /// <summary>The interval between collection cycles (the step the triggers see).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the guard watches a VM after a morph, in the loop's clock.</summary>
    public TimeSpan ObservationWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the guard's baseline is, in the loop's clock.</summary>
    public TimeSpan BaselineWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the guard samples, in the loop's clock.</summary>
    public TimeSpan GuardSampleInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a VM whose policy has schedules checks them between observations, in real time.</summary>
    public TimeSpan ScheduleCheck { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The key that anonymises identities seen inside guests.</summary>
    public byte[] AnonymisationKey { get; init; } = [];
}

/// <summary>Everything a VM grain needs, shared by all of them (one per silo).</summary>
public sealed class LoopServices
{
    private LoopCatalogs catalogs;

    /// <summary>Creates the services.</summary>
    public LoopServices(IFleetStore store, IControlStore control, IMorphBackends backends, LoopCatalogs catalogs, LoopSettings settings,
        TimeProvider clock, LoopEvents events, LoopMetrics metrics, MorphTracker morphs, ILoggerFactory loggers)
    {
        Store = store;
        Saves = new BatchedProfileSaves(store);
        Control = control;
        Backends = backends;
        this.catalogs = catalogs;
        Settings = settings;
        Clock = clock;
        Events = events;
        Metrics = metrics;
        Morphs = morphs;
        Loggers = loggers;
        demandModelLogger = loggers.CreateLogger("Vmorph.Loop");
        DemandModels = new FleetDemandModel(trained: SaveDemandModel);
    }

    /// <summary>Profiles and configuration history.</summary>
    public IFleetStore Store { get; }

    /// <summary>The grains' profile saves to <see cref="Store"/>, many to a transaction.</summary>
    public BatchedProfileSaves Saves { get; }

    /// <summary>Labels, plans, loop state.</summary>
    public IControlStore Control { get; }

    /// <summary>The morph engines.</summary>
    public IMorphBackends Backends { get; }

    /// <summary>Policies, targets, archetypes now.</summary>
    public LoopCatalogs Catalogs => Volatile.Read(ref catalogs);

    /// <summary>Increases each time the catalogs are replaced: grains match their policy again when it moves.</summary>
    public int CatalogGeneration { get; private set; }

    /// <summary>Replaces the catalogs (an uploaded policy or target profile).</summary>
    public void Replace(LoopCatalogs next)
    {
        Volatile.Write(ref catalogs, next);
        CatalogGeneration++;
    }

    /// <summary>How the loop runs.</summary>
    public LoopSettings Settings { get; }

    /// <summary>The loop's clock (a replay's is accelerated).</summary>
    public TimeProvider Clock { get; }

    /// <summary>The change stream.</summary>
    public LoopEvents Events { get; }

    /// <summary>The instruments.</summary>
    public LoopMetrics Metrics { get; }

    /// <summary>The morphs running in the background, for a graceful shutdown.</summary>
    public MorphTracker Morphs { get; }

    /// <summary>Loggers.</summary>
    public ILoggerFactory Loggers { get; }

    /// <summary>
    /// The fleet's FastTree models, which the VMs' histories train: one for the fleet, not one a VM. Each is stored
    /// once trained, and restored at the next start (<see cref="RestoreDemandModelsAsync"/>).
    /// </summary>
    public FleetDemandModel DemandModels { get; }

    private readonly ILogger demandModelLogger;

    /// <summary>
    /// Restores the fleet's models a run before this one trained for this collection step, before any VM predicts:
    /// from their first step the VMs predict with them, instead of a week later. A stored model this build cannot
    /// read (another version, damaged) is logged and left out; the fleet then trains a new one, which replaces it.
    /// </summary>
    public async Task RestoreDemandModelsAsync(CancellationToken cancellationToken)
    {
        var step = (int)Settings.Step.TotalSeconds;
        foreach (var stored in await Control.DemandModelsAsync(cancellationToken))
        {
            if (stored.StepSeconds != step) continue;
            var where = Describe(stored);
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(stored.Zone, out var zone))
            {
                DemandModelLog.NotRestored(demandModelLogger, where, "no such time zone here");
                continue;
            }
            var model = FastTreeDemandModel.FromBytes(stored.Model);
            if (!model.IsSuccess)
            {
                DemandModelLog.NotRestored(demandModelLogger, where, string.Join("; ", model.Errors));
                continue;
            }
            if (model.Value.HorizonSteps != stored.HorizonSteps)
            {
                DemandModelLog.NotRestored(demandModelLogger, where, $"it predicts {model.Value.HorizonSteps} steps ahead");
                continue;
            }
            if (DemandModels.Restore(model.Value, zone)) DemandModelLog.Restored(demandModelLogger, where, stored.TrainedAt, model.Value.TrainingRows);
        }
    }

    private static string Describe(StoredDemandModel model) =>
        $"the fleet's model for {model.HorizonSteps} steps of {model.StepSeconds} s in {model.Zone}";

    // Called on the thread that trained the model; the loop goes on without waiting for it.
    private void SaveDemandModel(FleetDemandModel.Pool pool, FastTreeDemandModel model)
    {
        var stored = new StoredDemandModel((int)Settings.Step.TotalSeconds, pool.HorizonSteps, pool.Zone.Id, model.ToBytes(), Clock.GetUtcNow());
        var where = Describe(stored);
        try
        {
            Control.SaveDemandModelAsync(stored, CancellationToken.None).GetAwaiter().GetResult();
            DemandModelLog.Trained(demandModelLogger, where, model.TrainingRows, stored.Model.Length);
        }
        catch (Exception e)
        {
            // A model not stored is trained again after the next restart; the loop goes on.
            DemandModelLog.NotStored(demandModelLogger, e, where);
        }
    }
}

internal static partial class DemandModelLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "trained {Model} on {Rows} rows; stored ({Bytes} bytes) for the next start")]
    public static partial void Trained(ILogger logger, string model, int rows, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "trained {Model}, but could not store it: the next start trains it again")]
    public static partial void NotStored(ILogger logger, Exception exception, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "restored {Model}, trained {TrainedAt:O} on {Rows} rows")]
    public static partial void Restored(ILogger logger, string model, DateTimeOffset trainedAt, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "left out {Model} kept by an earlier run: {Reason}; the fleet trains a new one")]
    public static partial void NotRestored(ILogger logger, string model, string reason);
}
