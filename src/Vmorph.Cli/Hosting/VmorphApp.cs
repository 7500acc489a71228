using Spectre.Console;
using Spectre.Console.Cli;
using Vmorph.Cli.Commands;

namespace Vmorph.Cli.Hosting;

/// <summary>The command tree of <c>vmorph</c>.</summary>
public static class VmorphApp
{
    /// <summary>Runs vmorph with arguments in a context; returns the exit code (docs/CLI.md, "Exit codes").</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        var registrar = new TypeRegistrar();
        registrar.RegisterInstance(typeof(CliContext), context);
        var app = new CommandApp(registrar);
        app.Configure(config =>
        {
            config.SetApplicationName("vmorph");
            config.SetApplicationVersion(BuildInfo.Current.Version);
            config.Settings.Console = context.HelpConsole;
            // Unknown options and extra arguments are errors, not silently ignored (a misspelt --data-dir would
            // otherwise make an empty store); every example below must parse.
            config.UseStrictParsing();
            config.ValidateExamples();
            config.Settings.ExceptionHandler = (exception, _) => Report(exception, context, args);
            Register(config);
        });
        return await app.RunAsync(GlobalArguments.MoveAfterCommand(args), cancellationToken);
    }

    /// <summary>Every command: its name, description and examples (the help test and shell completion read this list).</summary>
    internal static IReadOnlyList<CommandEntry> Commands { get; } =
    [
        Command<ImportCommand>("import", "Load trace files into the store, folding them into personality profiles. Importing the same files again changes nothing.",
            ["import", "../shared/traces/bitbrains-rnd"]),
        Command<FleetCommand>("fleet", "List every VM with its workload and strongest traits.",
            ["fleet", "--output", "json"]),
        Command<ProfileCommand>("profile", "Show a VM's whole personality profile.",
            ["profile", "17"]),
        Command<TraitsCommand>("traits", "Show a VM's weighted trait vector; --explain says which features made each score.",
            ["traits", "17", "--explain"]),
        Command<ArchetypesCommand>("archetypes", "List the archetypes and features traits are scored with (built-in and your own YAML).",
            ["archetypes", "--output", "json"]),
        Command<ServeCommand>("serve", "Run the loop on its own: collect, decide (schedules, demand, workload, forecasts), morph, guard, roll back; with the REST API, dashboard and metrics.",
            ["serve", "--replay", "../shared/traces/bitbrains-rnd/2013-8"]),
        Command<CollectCommand>("collect", "Watch the VMs of a libvirt connection (configuration, metrics, and the guests from inside) and fold what is seen into the store.",
            ["collect", "--connect", "qemu:///system", "--once"]),
        Command<HistoryCommand>("history", "Show a VM's configuration versions, each with its cause and diff.",
            ["history", "lab-1"]),
        Command<ConsentCommand>("consent", "Record (--grant --by WHO --scope TEXT) or withdraw (--withdraw) consent to model user behaviour on a VM.",
            ["consent", "lab-1", "--grant", "--by", "ops-ticket-42", "--scope", "interactive-sessions"]),
        Command<AgentCommand>("agent", "Print the in-guest view of this machine (processes, sockets, interfaces, data footprint), as the collector reads guests.",
            ["agent", "--once", "--output", "json"]),
        Command<SimulateCommand>("simulate", "What-if: replay traces through vmorph's policies and the baselines (VPA, Autopilot, AWS Compute Optimizer, oracle) and score them.",
            ["simulate", "--trace", "../shared/traces/bitbrains-rnd/2013-8", "--baselines", "all"]),
        Command<TargetsCommand>("targets", "List the target profiles a VM can be morphed to (built-in and your own YAML), for plan and apply --to.",
            ["targets", "--output", "json"]),
        Command<PlanCommand>("plan", "Show what morphing a VM to a target profile would change, like terraform plan (exit 0 no changes, 2 changes, 1 error); --out saves it.",
            ["plan", "lab-1", "--to", "web-server", "--out", "plan.json"]),
        Command<ShowCommand>("show", "Show a saved plan file (checked, not applied), as plan printed it.",
            ["show", "plan.json"]),
        Command<ApplyCommand>("apply", "Morph a VM: a saved plan exactly (no question asked: it is the reviewed plan), or VM --to TARGET (plan and apply; asks first). Snapshot when needed, live steps, the guard's window, then committed or rolled back.",
            ["apply", "plan.json"], ["apply", "lab-1", "--to", "web-server", "--observe", "30s"]),
        Command<RollbackCommand>("rollback", "Return a VM to a committed configuration version (default: the one before its last morph), as a guarded morph.",
            ["rollback", "lab-1", "--yes"]),
        Command<RecoverCommand>("recover", "Resume or roll back unfinished morphs after a crash or kill; --resolve MORPH --note TEXT releases a failed morph's VM.",
            ["recover"]),
        Command<TokenCommand>("token", "Create (--role viewer|operator|admin --name NAME), list or revoke (NAME) the API tokens of vmorph serve; a new token's secret is shown once.",
            ["token", "create", "--role", "viewer", "--name", "grafana"], ["token", "list"], ["token", "revoke", "grafana"]),
        Command<VersionCommand>("version", "Show vmorph's version and build (commit, runtime).",
            ["version", "--output", "json"]),
        Command<CompletionCommand>("completion", "Print a shell completion script: eval \"$(vmorph completion bash)\", or save it in /etc/bash_completion.d/vmorph.",
            ["completion", "bash"]),
    ];

    private static void Register(IConfigurator config)
    {
        foreach (var command in Commands) command.Add(config);
    }

    private static CommandEntry Command<TCommand>(string name, string description, params string[][] examples)
        where TCommand : class, ICommand
    {
        var settings = typeof(TCommand).BaseType!.GetGenericArguments()[0];
        return new CommandEntry(name, description, settings, examples, config =>
        {
            var added = config.AddCommand<TCommand>(name).WithDescription(description);
            foreach (var example in examples) added.WithExample(example);
        });
    }

    // Errors Spectre finds in the command line (unknown command or option, a bad value) are usage errors, shown with
    // its pointer and "did you mean"; anything else reaching here is a bug: one line for the user, and the whole
    // exception (with the version and the command's name, never its arguments: they may hold secrets) in a log file
    // private to the user, DATA_DIR/logs or $XDG_STATE_HOME/vmorph/logs; --verbose prints it on standard error too.
    private static int Report(Exception exception, CliContext context, string[] args)
    {
        if (exception is CommandAppException { Pretty: { } pretty })
        {
            context.Error.Write(Render(pretty));
            context.Error.WriteLine("See 'vmorph --help' or 'vmorph COMMAND --help'.");
            return ExitCodes.Usage;
        }
        if (exception is CommandAppException)
        {
            context.Error.WriteLine("vmorph: error: " + exception.Message);
            return ExitCodes.Usage;
        }
        var moved = GlobalArguments.MoveAfterCommand(args);
        var command = moved.Length > 0 && Commands.Any(c => c.Name == moved[0]) ? moved[0] : "(none)";
        var build = BuildInfo.Current;
        var details = $"vmorph {build.Version} (commit {build.Commit ?? "unknown"}, {build.Runtime}, {build.Platform})\n"
            + $"time: {context.Clock.GetUtcNow():O}\ncommand: {command}\n\n{exception}\n";
        var message = exception.Message.ReplaceLineEndings(" ");
        string? log = null;
        try
        {
            log = WriteCrashLog(CrashLogDirectory(context, args), context.Clock.GetUtcNow(), details);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            context.Error.WriteLine($"vmorph: internal error: {message} (a bug; the details could not be saved ({e.Message}), so they follow; please report them)");
            context.Error.Write(details);
            return ExitCodes.Error;
        }
        context.Error.WriteLine($"vmorph: internal error: {message} (a bug; the details are in {log}; please report them)");
        if (args.Contains("--verbose", StringComparer.Ordinal)) context.Error.Write(details);
        return ExitCodes.Error;
    }

    private static string CrashLogDirectory(CliContext context, string[] args)
    {
        string? option = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--data-dir" && i + 1 < args.Length) option = args[i + 1];
            else if (args[i].StartsWith("--data-dir=", StringComparison.Ordinal)) option = args[i]["--data-dir=".Length..];
        }
        var data = context.DataDirectory(option);
        if (Directory.Exists(data)) return Path.Combine(data, "logs");
        var state = context.Environment.GetValueOrDefault("XDG_STATE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(context.Environment.GetValueOrDefault("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "vmorph", "logs");
    }

    private static string WriteCrashLog(string directory, DateTimeOffset at, string details)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        var stamp = at.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        for (var n = 0; ; n++)
        {
            var path = Path.Combine(directory, n == 0 ? $"crash-{stamp}.log" : $"crash-{stamp}-{n}.log");
            if (File.Exists(path)) continue;
            try
            {
                using var file = new FileStream(path, options);
                using var writer = new StreamWriter(file);
                writer.Write(details);
                return path;
            }
            catch (IOException) when (File.Exists(path) && n < 100)
            {
                // Another crash in the same second: take the next name.
            }
        }
    }

    private static string Render(Spectre.Console.Rendering.IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        console.Write(renderable);
        return writer.ToString();
    }
}
