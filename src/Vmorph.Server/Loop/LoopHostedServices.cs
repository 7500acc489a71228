using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Vmorph.Collection;
using Vmorph.Loop;
using Vmorph.Loop.Hosting;
using Vmorph.Morphing;
using Vmorph.Store;

namespace Vmorph.Server.Loop;

/// <summary>The morph backends of the fleet's connections, made at start once the journal and store are open.</summary>
internal sealed class MorphBackends : IMorphBackends
{
    private readonly Dictionary<string, MorphBackend> bySource = new(StringComparer.Ordinal);

    public MorphBackend? For(string source) => bySource.GetValueOrDefault(source);

    public IReadOnlyCollection<MorphBackend> All => bySource.Values;

    public void Add(string source, MorphBackend backend) => bySource[source] = backend;
}

/// <summary>
/// Starts the loop once the silo is up: restores the fleet's forecasting models, opens each connection's morph backend,
/// and recovers every morph a killed process left unfinished (resumed or rolled back through its journal, as <c>vmorph recover</c> does) before any
/// collector runs. Stopping waits for running morphs to reach a safe state (or cancels them after a grace period).
/// </summary>
internal sealed partial class LoopStartup(FleetSource fleet, MorphBackends backends, IMorphJournal journal, IFleetStore store, MorphTracker morphs,
    LoopServices loop, ILoggerFactory loggers) : IHostedService
{
    private readonly ILogger logger = loggers.CreateLogger("Vmorph.Loop");
    private readonly ILogger morphLogger = loggers.CreateLogger("Vmorph.Morphs");

    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> retries = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var note in fleet.Notes) LogNote(logger, note);
        // The fleet's forecasting model a run before this one trained: the VMs predict with it from their first step.
        await loop.RestoreDemandModelsAsync(cancellationToken);
        foreach (var c in fleet.Connections)
        {
            // A hypervisor that cannot be reached does not keep the server from starting: its VMs are shown from the
            // store, not morphed, and the connection is tried again until it answers.
            if (!await TryOpenAsync(c, cancellationToken)) retries.Add(RetryAsync(c, stopping.Token));
        }
    }

    private async Task<bool> TryOpenAsync(FleetSource.Connection c, CancellationToken cancellationToken)
    {
        MorphBackend backend;
        try
        {
            backend = await c.Backend(journal, store, p => LogMorph(morphLogger, p.MorphId, p.Message), cancellationToken);
        }
        catch (ServeException e)
        {
            LogUnavailable(logger, c.Uri, e.Message, Retry.TotalSeconds);
            return false;
        }
        backends.Add(c.Source, backend);
        var unfinished = await backend.Engine.UnfinishedAsync(cancellationToken);
        if (unfinished.Count > 0)
        {
            LogRecovering(logger, unfinished.Count, c.Uri);
            foreach (var outcome in await backend.Engine.RecoverAsync(cancellationToken)) LogRecovered(logger, outcome.Message);
        }
        return true;
    }

    private async Task RetryAsync(FleetSource.Connection c, CancellationToken cancellationToken)
    {
        try
        {
            do await Task.Delay(Retry, cancellationToken);
            while (!await TryOpenAsync(c, cancellationToken));
            LogConnected(logger, c.Uri);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        await Task.WhenAll(retries);
        stopping.Dispose();
        if (morphs.Count > 0) LogStopping(logger, morphs.Count, Grace.TotalSeconds);
        await morphs.StopAsync(Grace, TimeProvider.System);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Uri} cannot be reached ({Reason}); its VMs are not morphed until it answers (trying again every {Seconds} s)")]
    private static partial void LogUnavailable(ILogger logger, string uri, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Uri} answers again: its VMs are morphed")]
    private static partial void LogConnected(ILogger logger, string uri);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Note}")]
    private static partial void LogNote(ILogger logger, string note);

    [LoggerMessage(Level = LogLevel.Information, Message = "morph {MorphId}: {Message}")]
    private static partial void LogMorph(ILogger logger, string morphId, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} morph(s) of {Uri} were left unfinished by a process that stopped: recovering them")]
    private static partial void LogRecovering(ILogger logger, int count, string uri);

    [LoggerMessage(Level = LogLevel.Warning, Message = "recovery: {Message}")]
    private static partial void LogRecovered(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: waiting up to {Seconds} s for {Count} running morph(s) to reach a safe state")]
    private static partial void LogStopping(ILogger logger, int count, double seconds);
}

/// <summary>One collector per hypervisor connection, handing each cycle's observations to the VMs' grains.</summary>
internal sealed partial class CollectorService(FleetSource fleet, IGrainFactory grains, LoopServices services, ILogger<CollectorService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runs = fleet.Connections.Select(c => RunAsync(c, stoppingToken)).ToList();
        await Task.WhenAll(runs);
    }

    private async Task RunAsync(FleetSource.Connection connection, CancellationToken stoppingToken)
    {
        var sink = new GrainObservationSink(grains, connection.Uri, connection.Source, (vm, e) => LogObserveFailed(logger, connection.Uri, vm.Value, e.Message, e));
        var options = new CollectorOptions
        {
            Uri = connection.Uri,
            Interval = services.Settings.Step,
            GuestView = !fleet.Replay,
            SampleWindow = fleet.Replay ? TimeSpan.Zero : TimeSpan.FromSeconds(1),
        };
        await using var collector = new Collector(connection.Hypervisor, sink, services.Clock, options, message => LogCollector(logger, connection.Uri, message));
        var uri = new KeyValuePair<string, object?>("uri", connection.Uri);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await collector.RunAsync(cycle =>
                {
                    services.Metrics.CollectionCycles.Add(1, uri, new KeyValuePair<string, object?>("result", "ok"));
                    services.Metrics.CollectionDuration.Record(cycle.Elapsed.TotalSeconds, uri);
                    LogCycle(logger, connection.Uri, cycle.Vms.Count, cycle.Elapsed.TotalMilliseconds);
                    sink.CycleEndedAsync(cycle).GetAwaiter().GetResult();
                }, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (HypervisorUnavailableException e)
            {
                // The first connection failed (later losses are retried inside the collector, with backoff).
                services.Metrics.CollectionCycles.Add(1, uri, new KeyValuePair<string, object?>("result", "unavailable"));
                LogUnavailable(logger, connection.Uri, e.Message, Retry.TotalSeconds);
                try
                {
                    await Task.Delay(Retry, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(30);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Uri}: {Message}")]
    private static partial void LogCollector(ILogger logger, string uri, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Uri}: VM {Vm}'s loop failed on this cycle's observations ({Reason}); the other VMs go on, and its observations are sent again next cycle")]
    private static partial void LogObserveFailed(ILogger logger, string uri, string vm, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Uri}: cycle of {Vms} VM(s) in {Milliseconds:0} ms")]
    private static partial void LogCycle(ILogger logger, string uri, int vms, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Uri} cannot be reached ({Reason}); collecting again in {Seconds} s")]
    private static partial void LogUnavailable(ILogger logger, string uri, string reason, double seconds);
}
