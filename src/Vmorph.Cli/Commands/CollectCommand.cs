using System.ComponentModel;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Collection;
using Vmorph.Guest;
using Vmorph.Guest.Privacy;
using Vmorph.Identity;
using Vmorph.Libvirt;
using Vmorph.Store;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph collect</c>: watches the VMs of a libvirt connection and folds what it sees into the store.</summary>
public sealed class CollectCommand(CliContext context) : VmorphCommand<CollectCommand.Settings>(context)
{
    /// <summary>Options of <c>collect</c>.</summary>
    public sealed class Settings : GlobalSettings
    {
        /// <summary>The libvirt URI.</summary>
        [CommandOption("-c|--connect <URI>")]
        [Description("The libvirt connection URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system).")]
        public string? Connect { get; init; }

        /// <summary>The interval.</summary>
        [CommandOption("--interval <DURATION>")]
        [Description("Time between collection cycles (default 10s).")]
        [DefaultValue("10s")]
        public string Interval { get; init; } = "10s";

        /// <summary>One cycle only.</summary>
        [CommandOption("--once")]
        [Description("Collect one cycle, print what was collected per VM, and stop.")]
        public bool Once { get; init; }

        /// <summary>Domain names.</summary>
        [CommandOption("--domain <NAME>")]
        [Description("Collect only this domain (by name); may be repeated. Default: every domain.")]
        public string[]? Domains { get; init; }

        /// <summary>Scan paths.</summary>
        [CommandOption("--scan <PATH>")]
        [Description("An absolute path in the guests for the data-footprint scan; may be repeated. Default: /home /root /srv /opt /var/lib /var/www /var/log /etc (those missing are skipped).")]
        public string[]? Scan { get; init; }

        /// <summary>Time between scans.</summary>
        [CommandOption("--scan-interval <DURATION>")]
        [Description("Time between two data-footprint scans of a guest (default 10m). With --once: every time unless given; given, a guest is scanned only if its last scan in the store is at least this old.")]
        public string? ScanInterval { get; init; }

        /// <summary>No guest view.</summary>
        [CommandOption("--no-guest")]
        [Description("Do not read the guests from inside (hypervisor view only).")]
        public bool NoGuest { get; init; }

        /// <summary>Guest time-out.</summary>
        [CommandOption("--guest-timeout <DURATION>")]
        [Description("How long reading one guest's inventory may take, round trips included (default 10s).")]
        [DefaultValue("10s")]
        public string GuestTimeout { get; init; } = "10s";

        /// <summary>Sample window.</summary>
        [CommandOption("--sample-window <DURATION>")]
        [Description("When a VM has no earlier reading, read its counters twice this far apart in the same cycle so that rates exist (default 1s).")]
        [DefaultValue("1s")]
        public string SampleWindow { get; init; } = "1s";

        /// <summary>Print timings.</summary>
        [CommandOption("--timing")]
        [Description("Print each cycle's wall time and CPU time on standard error (for benchmarks).")]
        public bool Timing { get; init; }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var uri = settings.Connect ?? Context.Environment.GetValueOrDefault("LIBVIRT_DEFAULT_URI") ?? "qemu:///system";
        var guestOptions = new GuestReadOptions { Timeout = Durations.Parse(settings.GuestTimeout, "--guest-timeout"), ScanPaths = settings.Scan };
        var invalid = guestOptions.Validate();
        if (invalid.Count > 0) throw new CliException(string.Join("; ", invalid), ExitCodes.Usage);
        var scanInterval = settings.ScanInterval is { } given ? Durations.Parse(given, "--scan-interval")
            : settings.Once ? TimeSpan.Zero : TimeSpan.FromMinutes(10);
        var options = new CollectorOptions
        {
            Uri = uri,
            Interval = Durations.Parse(settings.Interval, "--interval"),
            GuestView = !settings.NoGuest,
            ScanPaths = settings.Scan,
            ScanInterval = scanInterval,
            SampleWindow = Durations.Parse(settings.SampleWindow, "--sample-window"),
            Domains = settings.Domains,
            EvidenceHalfLife = Context.LoadCatalog(settings).EvidenceHalfLife,
        };
        var errors = options.Validate();
        if (errors.Count > 0) throw new CliException(string.Join("; ", errors), ExitCodes.Usage);

        var key = AnonymisationKeyFile.LoadOrCreate(Context.DataDirectory(settings.DataDirectory));
        using var store = Context.OpenStore(settings);
        // One cycle per process (cron, a benchmark's windows): the scan cadence carries over through the store.
        if (settings.Once && scanInterval > TimeSpan.Zero)
            options = options with { ScannedBefore = await ScannedBeforeAsync(store, "libvirt:" + uri, settings.Domains, cancellationToken) };
        await using var collector = new Collector(new LibvirtHypervisor(Context.Clock, guestOptions), store, Context.Clock, options, key,
            message => Context.Error.WriteLine("vmorph: " + message));
        try
        {
            if (settings.Once)
            {
                var report = await collector.CollectOnceAsync(cancellationToken);
                Print(report, settings, verbose: true);
                return ExitCodes.Success;
            }
            Context.Error.WriteLine($"vmorph: collecting from {uri} every {Durations.Describe(options.Interval)} into {store.Location}; Ctrl-C stops");
            await collector.RunAsync(report => Print(report, settings, verbose: false), cancellationToken);
            return ExitCodes.Success;
        }
        catch (HypervisorUnavailableException e)
        {
            throw new CliException(e.Message + " (is libvirtd running? 'scripts/lab up' starts the lab's)");
        }
        catch (OperationCanceledException) when (!settings.Once && cancellationToken.IsCancellationRequested)
        {
            Context.Error.WriteLine("vmorph: collection stopped; every completed cycle is in the store");
            return ExitCodes.Success;
        }
    }

    /// <summary>When the store's VMs of <paramref name="source"/> (those named, if any) last had their data footprint scanned.</summary>
    private static async Task<IReadOnlyDictionary<VmId, DateTimeOffset>> ScannedBeforeAsync(IFleetStore store, string source, string[]? domains, CancellationToken cancellationToken)
    {
        var ids = (await store.ListAsync(cancellationToken))
            .Where(s => s.Source == source && (domains is not { Length: > 0 } || domains.Contains(s.Name, StringComparer.Ordinal)))
            .Select(s => s.Id);
        var profiles = await store.LoadAsync(ids, cancellationToken);
        return profiles.Where(p => p.Value.Profile.DataFootprint.ScannedAt is not null)
            .ToDictionary(p => p.Key, p => p.Value.Profile.DataFootprint.ScannedAt!.Value);
    }

    private void Print(CycleReport report, Settings settings, bool verbose)
    {
        if (settings.Json)
        {
            Context.Output.WriteLine(settings.Once ? JsonViews.Serialize(CollectionViews.Json(report))
                : System.Text.Json.JsonSerializer.Serialize(CollectionViews.Json(report), CollectionViews.JsonLines));
        }
        else if (verbose)
        {
            foreach (var vm in CollectionViews.InNaturalOrder(report.Vms))
                foreach (var line in CollectionViews.Text(vm)) Context.Output.WriteLine(line);
            Context.Output.WriteLine($"{report.Vms.Count} VM(s) from {report.Uri} in {Durations.Describe(report.Elapsed)}");
        }
        else
        {
            var versions = report.Vms.Count(v => v.NewVersion is not null);
            var guests = report.Vms.Count(v => v.Inventory is not null);
            Context.Output.WriteLine($"{report.At:HH:mm:ss} {report.Vms.Count} VM(s), {guests} seen from inside, {versions} new configuration version(s)");
            foreach (var v in CollectionViews.InNaturalOrder(report.Vms).Where(v => v.NewVersion is not null))
                Context.Output.WriteLine($"  {v.Name}: configuration v{v.NewVersion!.Version} ({v.NewVersion.Cause}): " + string.Join(", ", v.NewVersion.Changes.Select(ConfigurationValues.Describe)));
        }
        foreach (var vm in CollectionViews.InNaturalOrder(report.Vms))
        {
            if (!verbose && vm.GuestMissing is { } missing && vm.State == DomainState.Running) Context.Error.WriteLine("vmorph: guest view missing: " + missing);
            if (!verbose || settings.Json)
                foreach (var problem in vm.Problems) Context.Error.WriteLine("vmorph: " + problem);
        }
        if (settings.Timing)
            Context.Error.WriteLine($"vmorph: timing: cycle {report.Elapsed.TotalMilliseconds:0.0} ms wall, {report.CpuTime.TotalMilliseconds:0.0} ms CPU, {report.Vms.Count} VM(s)"
                + (report.SampleWait > TimeSpan.Zero ? $" (plus {report.SampleWait.TotalMilliseconds:0} ms waiting between two readings)" : ""));
    }
}
