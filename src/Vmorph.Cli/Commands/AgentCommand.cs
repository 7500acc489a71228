using System.ComponentModel;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Guest;
using Vmorph.Guest.Privacy;
using Vmorph.Guest.Shell;
using Vmorph.Observations;
using Vmorph.Profiles;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph agent</c>: the in-guest view of the machine it runs on, with the same scripts and parsers the collector
/// uses through the QEMU guest agent. User names are replaced by keyed hashes before they are printed.
/// </summary>
public sealed class AgentCommand(CliContext context) : VmorphCommand<AgentCommand.Settings>(context)
{
    /// <summary>Options of <c>agent</c>.</summary>
    public sealed class Settings : GlobalSettings
    {
        /// <summary>One observation.</summary>
        [CommandOption("--once")]
        [Description("Print one observation and stop (otherwise one every --interval).")]
        public bool Once { get; init; }

        /// <summary>The interval.</summary>
        [CommandOption("--interval <DURATION>")]
        [Description("Time between observations (default 10s).")]
        [DefaultValue("10s")]
        public string Interval { get; init; } = "10s";

        /// <summary>Scan paths.</summary>
        [CommandOption("--scan <PATH>")]
        [Description("An absolute path for the data-footprint scan; may be repeated (default: the usual data directories).")]
        public string[]? Scan { get; init; }

        /// <summary>No scan.</summary>
        [CommandOption("--no-scan")]
        [Description("Skip the data-footprint scan.")]
        public bool NoScan { get; init; }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var interval = Durations.Parse(settings.Interval, "--interval");
        var options = new GuestReadOptions { Footprint = !settings.NoScan, ScanPaths = settings.Scan };
        var invalid = options.Validate();
        if (invalid.Count > 0) throw new CliException(string.Join("; ", invalid), ExitCodes.Usage);
        var key = AnonymisationKeyFile.LoadOrCreate(Context.DataDirectory(settings.DataDirectory));
        var reader = new GuestInventoryReader(new LocalShell(Context.Clock), Context.Clock);
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(options, cancellationToken);
                if (read.Snapshot is null) throw new CliException(read.Failure ?? "the local inventory could not be read");
                foreach (var problem in read.Problems) Context.Error.WriteLine("vmorph: " + problem);
                var snapshot = read.Snapshot with
                {
                    Sessions = [.. read.Snapshot.Sessions.Select(s => s with { User = UserBehaviorModel.Anonymise(s.User, key) })],
                };
                Print(snapshot, settings);
                if (settings.Once) return ExitCodes.Success;
                await Task.Delay(interval, Context.Clock, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (!settings.Once && cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
    }

    private void Print(InventorySnapshot snapshot, Settings settings)
    {
        if (settings.Json)
        {
            Context.Output.WriteLine(settings.Once ? JsonViews.Serialize(snapshot)
                : System.Text.Json.JsonSerializer.Serialize(snapshot, CollectionViews.JsonLines));
            return;
        }
        var s = snapshot.System;
        Context.Output.WriteLine($"{s?.Hostname ?? "local"} at {snapshot.At:yyyy-MM-dd HH:mm:ss}Z: kernel {s?.Kernel}, {s?.Cpus} CPU(s), MemTotal {s?.MemoryTotal}, MemAvailable {s?.MemoryAvailable}");
        var apps = CollectionViews.Applications(snapshot);
        Context.Output.WriteLine($"  applications: {apps.Count} ({string.Join(", ", apps.Take(15))}{(apps.Count > 15 ? ", ..." : "")})");
        var listening = CollectionViews.Listening(snapshot);
        Context.Output.WriteLine("  listening: " + (listening.Count == 0 ? "nothing" : string.Join(", ", listening)) + $"; {snapshot.Sockets.Count(x => !x.Listening)} connected socket(s)");
        Context.Output.WriteLine("  interfaces: " + string.Join(", ", snapshot.Interfaces.Select(x => $"{x.Name} rx {CollectionViews.Bytes(x.ReceivedBytes)} tx {CollectionViews.Bytes(x.TransmittedBytes)}")));
        Context.Output.WriteLine($"  sessions: {snapshot.Sessions.Count} (users shown as keyed hashes: {string.Join(", ", snapshot.Sessions.Select(x => x.User).Distinct())})");
        Context.Output.WriteLine("  data footprint: " + (snapshot.Footprint is { } f ? CollectionViews.Footprint(f) : "not scanned"));
    }
}
