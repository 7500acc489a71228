using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Collection;
using Vmorph.Guard;
using Vmorph.Guest.Privacy;
using Vmorph.Libvirt;
using Vmorph.Libvirt.Morphing;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Profiles;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;
using Vmorph.TargetProfiles;
using Vmorph.Traits;

namespace Vmorph.Cli.Commands;

/// <summary>Options of <c>targets</c>.</summary>
public sealed class TargetSettings : GlobalSettings
{
    /// <summary>A directory of the user's target profiles.</summary>
    [CommandOption("--targets <DIR>")]
    [Description(TargetsOption.Description)]
    public string? Targets { get; init; }
}

/// <summary>The <c>--targets DIR</c> option of targets, plan and apply.</summary>
internal static class TargetsOption
{
    /// <summary>What it means.</summary>
    public const string Description = "A directory of target profiles (*.yaml) that add to or replace the built-ins (default: DATA_DIR/targets).";
}

/// <summary>Options of the commands that reach a hypervisor to morph.</summary>
public class MorphConnectionSettings : GlobalSettings
{
    /// <summary>The libvirt URI.</summary>
    [CommandOption("-c|--connect <URI>")]
    [Description("The libvirt connection URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system).")]
    public string? Connect { get; init; }
}

/// <summary>The options of the commands that plan a morph to a target profile (plan, apply VM --to).</summary>
public interface IPlanSettings
{
    /// <summary>A directory of the user's target profiles (<c>--targets</c>), read after DATA_DIR/targets.</summary>
    string? Targets { get; }

    /// <summary>When the morph takes its snapshot: <c>auto</c> or <c>minimal</c>.</summary>
    string Snapshot { get; }
}

/// <summary>Options of the commands that run a morph (apply, rollback).</summary>
public class MorphRunSettings : MorphConnectionSettings
{
    /// <summary>Skip the confirmation.</summary>
    [CommandOption("-y|--yes")]
    [Description("Apply without asking. Without it vmorph asks on a terminal, and refuses when standard input is not one (a saved plan file is applied without asking).")]
    public bool Yes { get; init; }

    /// <summary>The observation window.</summary>
    [CommandOption("--observe <DURATION>")]
    [Description("How long the guard watches the VM after the last step before committing (default 2m; 0 commits at once, without a verdict).")]
    [DefaultValue("2m")]
    public string Observe { get; init; } = "2m";

    /// <summary>The guard's baseline window, before the first change.</summary>
    [CommandOption("--observe-before <DURATION>")]
    [Description("How long the guard watches the VM before the first change, the baseline it compares --observe with (default 1m).")]
    [DefaultValue("1m")]
    public string ObserveBefore { get; init; } = "1m";

    /// <summary>The sample interval.</summary>
    [CommandOption("--sample-interval <DURATION>")]
    [Description("Time between two guard samples (default 2s; the guard needs 10 in each window).")]
    [DefaultValue("2s")]
    public string SampleInterval { get; init; } = "2s";

    /// <summary>The health probe.</summary>
    [CommandOption("--probe <URL>")]
    [Description("A health probe run with every sample: tcp://HOST:PORT (connect) or http://HOST[[:PORT]]/PATH (GET, 2xx/3xx).")]
    public string? Probe { get; init; }

    /// <summary>Wait for a busy VM.</summary>
    [CommandOption("--wait")]
    [Description("When another morph holds the VM, wait for it to end (up to --wait-timeout) instead of refusing.")]
    public bool Wait { get; init; }

    /// <summary>How long to wait.</summary>
    [CommandOption("--wait-timeout <DURATION>")]
    [Description("How long --wait waits (default 30m).")]
    [DefaultValue("30m")]
    public string WaitTimeout { get; init; } = "30m";

    /// <summary>Restart first when needed.</summary>
    [CommandOption("--restart-first")]
    [Description("If a vCPU was hot-added since the VM started (its snapshot could then not be reverted), restart it before the morph. Plans that restart the VM anyway do this without being asked.")]
    public bool RestartFirst { get; init; }

    /// <summary>Roll back on the first window's degradation.</summary>
    [CommandOption("--no-confirm")]
    [Description("Roll back as soon as one observation window shows a degraded CPU, memory or disk signal. By default the guard confirms such a degradation over a second window of the same length first, because workloads have phases the morph did not cause (a failing --probe always rolls back at once).")]
    public bool NoConfirm { get; init; }
}

/// <summary>The exit codes of apply and rollback (docs/MORPHING.md).</summary>
internal static class MorphExitCodes
{
    /// <summary>Committed, or nothing to do.</summary>
    public const int Committed = 0;

    /// <summary>Refused, failed, stopped, or an error: the message says which.</summary>
    public const int Error = ExitCodes.Error;

    /// <summary>Rolled back (a step failed, the guard found degradation, or Ctrl-C): the VM is back where it was.</summary>
    public const int RolledBack = ExitCodes.RolledBack;

    /// <summary>Another morph holds the VM.</summary>
    public const int Busy = ExitCodes.Busy;

    public static int For(MorphResult result) => result switch
    {
        MorphResult.Committed or MorphResult.NoChanges => Committed,
        MorphResult.RolledBack => RolledBack,
        MorphResult.Busy => Busy,
        _ => Error,
    };
}

/// <summary>
/// What a morph command works with: the store, the morph journal, the libvirt driver and the engine over them. Opening
/// it recovers unfinished morphs whose owner is gone, saying so (every morph command does: a crash never waits for a
/// person to notice). Also arms the test-only crash hook when <c>VMORPH_TEST_CRASH_AT</c> is set.
/// </summary>
internal sealed class MorphSession : IDisposable
{
    /// <summary>The crash hook's variable: <c>PHASE</c> or <c>PHASE:N</c> (docs/MORPHING.md, "Crash tests").</summary>
    public const string CrashVariable = MorphCrashHook.Variable;

    private MorphSession(CliContext context, IFleetStore store, IMorphJournal journal, LibvirtMorphDriver driver, MorphEngine engine, string uri)
    {
        Context = context;
        Store = store;
        Journal = journal;
        Driver = driver;
        Engine = engine;
        Uri = uri;
    }

    public CliContext Context { get; }

    public IFleetStore Store { get; }

    public IMorphJournal Journal { get; }

    public LibvirtMorphDriver Driver { get; }

    public MorphEngine Engine { get; }

    public string Uri { get; }

    /// <summary>Opens everything, then recovers unfinished morphs (unless <paramref name="recover"/> is false).</summary>
    public static async Task<MorphSession> OpenAsync(CliContext context, MorphConnectionSettings settings, bool recover, CancellationToken cancellationToken)
    {
        var uri = settings.Connect ?? context.Environment.GetValueOrDefault("LIBVIRT_DEFAULT_URI") ?? "qemu:///system";
        var opened = LibvirtMorphDriver.Open(uri, context.Clock);
        if (!opened.IsSuccess) throw new CliException(string.Join("; ", opened.Errors));
        var store = context.OpenStore(settings);
        var path = Path.Combine(context.DataDirectory(settings.DataDirectory), "vmorph.db");
        IMorphJournal journal;
        try
        {
            journal = SqliteMorphJournal.Open(path, context.Clock);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            store.Dispose();
            opened.Value.Dispose();
            throw new CliException($"cannot open the morph journal at {path}: {e.Message}");
        }
        var options = new MorphEngineOptions
        {
            Host = await HostAsync(opened.Value, store, journal, cancellationToken),
            Progress = p => context.Error.WriteLine($"vmorph: {p.At.UtcDateTime:HH:mm:ss.fff} {(p.Warning ? "WARNING: " : "")}{p.Message}"),
            AfterJournaled = CrashHook(context),
            ProbeFromAddress = address => HealthProbes.Parse(address, context.Clock, ProbeTimeout) is { IsSuccess: true } made ? made.Value : null,
        };
        var session = new MorphSession(context, store, journal, opened.Value, new MorphEngine(journal, store, opened.Value, opened.Value, context.Clock, options), uri);
        if (recover) await session.RecoverAsync(cancellationToken);
        return session;
    }

    // The host's capabilities, read once per command from the connection the engine drives (never the lab's numbers).
    private static async Task<HostCapabilities> HostAsync(LibvirtMorphDriver driver, IFleetStore store, IMorphJournal journal, CancellationToken cancellationToken)
    {
        var host = await driver.ReadHostAsync(cancellationToken);
        if (host.IsSuccess) return host.Value.Capabilities;
        journal.Dispose();
        store.Dispose();
        driver.Dispose();
        throw new CliException($"cannot read what the host of {driver.Uri} can do: " + string.Join("; ", host.Errors));
    }

    /// <summary>Recovers every unfinished morph no live engine runs; returns the outcomes (also printed).</summary>
    public async Task<IReadOnlyList<MorphOutcome>> RecoverAsync(CancellationToken cancellationToken)
    {
        var unfinished = await Engine.UnfinishedAsync(cancellationToken);
        if (unfinished.Count == 0) return [];
        Context.Error.WriteLine($"vmorph: found {unfinished.Count} unfinished morph(s): {string.Join(", ", unfinished.Select(m => $"{m.MorphId} of VM '{m.VmName}' ({m.Phase.ToString().ToLowerInvariant()})"))}; recovering those whose owner is gone");
        var outcomes = await Engine.RecoverAsync(cancellationToken);
        foreach (var o in outcomes) Context.Error.WriteLine($"vmorph: recovery: {o.Message}");
        return outcomes;
    }

    // The test-only crash hook (MorphCrashHook): SIGKILL right after journaling the state the variable names.
    private static Func<MorphJournalEntry, ValueTask>? CrashHook(CliContext context) =>
        MorphCrashHook.From(context.Environment.GetValueOrDefault(CrashVariable), message =>
        {
            context.Error.WriteLine("vmorph: " + message);
            context.Error.Flush();
        });

    /// <summary>A VM by name or UUID, or a <see cref="CliException"/> saying it is not there.</summary>
    public async Task<MorphVm> FindVmAsync(string vm, CancellationToken cancellationToken)
    {
        var found = await Driver.FindAsync(vm, cancellationToken);
        return found.IsSuccess ? found.Value : throw new CliException(string.Join("; ", found.Errors), ExitCodes.NotFound);
    }

    /// <summary>
    /// The VM's profile from the store; when it has no metrics yet, one collection cycle (hypervisor view) is run first
    /// so that relative sizes (<c>p95(cpu)</c>) have data, and the operator is told.
    /// </summary>
    public async Task<PersonalityProfile?> ProfileAsync(MorphVm vm, GlobalSettings settings, CancellationToken cancellationToken)
    {
        var stored = (await Store.LoadAsync([vm.Id], cancellationToken)).GetValueOrDefault(vm.Id);
        if (stored is not null && stored.Profile.Performance.Samples > 0) return stored.Profile;
        if (!vm.Running) return stored?.Profile;
        var key = AnonymisationKeyFile.LoadOrCreate(Context.DataDirectory(settings.DataDirectory));
        var options = new CollectorOptions { Uri = Uri, Domains = [vm.Name], GuestView = false, ScanInterval = TimeSpan.Zero };
        await using (var collector = new Collector(new LibvirtHypervisor(Context.Clock), Store, Context.Clock, options, key, m => Context.Error.WriteLine("vmorph: " + m)))
            await collector.CollectOnceAsync(cancellationToken);
        Context.Error.WriteLine($"vmorph: VM '{vm.Name}' had no metrics in the store: collected one cycle (hypervisor view) for its sizes; './vmorph collect' keeps a fuller profile");
        return (await Store.LoadAsync([vm.Id], cancellationToken)).GetValueOrDefault(vm.Id)?.Profile;
    }

    /// <summary>The target profiles: built-ins, then DATA_DIR/targets, then --targets.</summary>
    public static TargetProfileCatalog Catalog(CliContext context, GlobalSettings settings, string? targets, ArchetypeCatalog archetypes)
    {
        var documents = new List<(string, string)>();
        var own = Path.Combine(context.DataDirectory(settings.DataDirectory), "targets");
        documents.AddRange(TargetProfileCatalog.ReadDirectory(own));
        // The data directory's own named again with --targets is read once, not twice (its names would then clash).
        if (targets is { } dir && Path.GetFullPath(dir).TrimEnd('/') != Path.GetFullPath(own).TrimEnd('/'))
        {
            if (!Directory.Exists(dir)) throw new CliException($"--targets: no such directory: {dir}");
            documents.AddRange(TargetProfileCatalog.ReadDirectory(dir));
        }
        var known = archetypes.Archetypes.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var catalog = TargetProfileCatalog.WithUserProfiles(documents, known);
        return catalog.IsSuccess ? catalog.Value : throw new CliException("the target profiles are not valid:\n  " + string.Join("\n  ", catalog.Errors));
    }

    /// <summary>Plans <paramref name="vm"/> to target profile <paramref name="target"/>.</summary>
    public async Task<PlanOutcome> PlanAsync<TSettings>(TSettings settings, MorphVm vm, string target, CancellationToken cancellationToken)
        where TSettings : MorphConnectionSettings, IPlanSettings
    {
        var snapshot = settings.Snapshot.ToLowerInvariant() switch
        {
            "auto" => SnapshotPolicy.Auto,
            "minimal" => SnapshotPolicy.Minimal,
            _ => throw new CliException($"--snapshot {settings.Snapshot}: expected 'auto' (before any step that cannot be undone live) or 'minimal' (only before a step nothing but the snapshot undoes)", ExitCodes.Usage),
        };
        var archetypes = Context.LoadCatalog(settings);
        var profile = Catalog(Context, settings, settings.Targets, archetypes).Find(target);
        if (!profile.IsSuccess) throw new CliException(string.Join("; ", profile.Errors));
        var personality = await ProfileAsync(vm, settings, cancellationToken);
        var traits = personality is null ? null : TraitScorer.Score(personality, archetypes);
        var planned = await Engine.Planner.PlanAsync(vm, profile.Value, personality, traits, cancellationToken, snapshot);
        return planned.IsSuccess ? planned.Value : throw new CliException($"cannot plan VM '{vm.Name}' -> '{target}':\n  " + string.Join("\n  ", planned.Errors));
    }

    /// <summary>The notes of a plan, for people.</summary>
    public static IEnumerable<string> NoteLines(IReadOnlyList<string> notes) =>
        notes.Count == 0 ? [] : ["", "Left out for this guest (not in the plan):", .. notes.Select(n => "  " + n)];

    /// <summary>How long one health probe may take.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Builds the apply options from the command line, or throws a usage error naming every problem.</summary>
    public static ApplyOptions ApplyOptions(MorphRunSettings settings, CliContext context, IReadOnlyList<string> notes, CancellationToken rollbackRequested)
    {
        var observe = Durations.Parse(settings.Observe, "--observe");
        IHealthProbe? probe = null;
        if (settings.Probe is { } url)
        {
            var parsed = HealthProbes.Parse(url, context.Clock, ProbeTimeout);
            probe = parsed.IsSuccess ? parsed.Value : throw new CliException(string.Join("; ", parsed.Errors), ExitCodes.Usage);
        }
        var options = new ApplyOptions
        {
            ObservationWindow = observe,
            BaselineWindow = Durations.Parse(settings.ObserveBefore, "--observe-before"),
            SampleInterval = Durations.Parse(settings.SampleInterval, "--sample-interval"),
            Policy = GuardPolicy.Default with { Window = observe > TimeSpan.Zero ? observe : GuardPolicy.Default.Window, ConfirmDegradation = !settings.NoConfirm },
            Probe = probe,
            Wait = settings.Wait ? Durations.Parse(settings.WaitTimeout, "--wait-timeout") : null,
            RestartFirst = settings.RestartFirst,
            RollbackRequested = rollbackRequested,
            Notes = notes,
        };
        var errors = options.Validate();
        return errors.Count == 0 ? options : throw new CliException(string.Join("; ", errors), ExitCodes.Usage);
    }

    /// <summary>
    /// Asks the operator to confirm (a mature tool never changes a VM silently): with --yes, no question; on a
    /// terminal, "yes" must be typed; otherwise refused.
    /// </summary>
    public static void Confirm(MorphRunSettings settings, CliContext context, string question)
    {
        if (settings.Yes) return;
        if (!context.Terminal.InputIsTerminal)
            throw new CliException("standard input is not a terminal, so vmorph cannot ask for confirmation: review the plan, then run again with --yes, or save it with 'vmorph plan VM --to TARGET --out FILE' and 'vmorph apply FILE'");
        context.Error.Write($"{question} Only 'yes' is accepted: ");
        var answer = context.Input.ReadLine();
        if (answer?.Trim() != "yes") throw new CliException("not confirmed; nothing was changed");
    }

    public void Dispose()
    {
        Journal.Dispose();
        Store.Dispose();
        Driver.Dispose();
    }
}
