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
            config.Settings.ExceptionHandler = (exception, _) => Report(exception, context);
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
    // its pointer and "did you mean"; anything else reaching here is a bug and keeps its stack trace for the report.
    private static int Report(Exception exception, CliContext context)
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
        context.Error.WriteLine("vmorph: internal error (a bug; please report it with what follows): " + exception);
        return ExitCodes.Error;
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
