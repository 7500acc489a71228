using Spectre.Console.Cli;
using Vmorph.Cli.Commands;

namespace Vmorph.Cli.Hosting;

/// <summary>The command tree of <c>vmorph</c>.</summary>
public static class VmorphApp
{
    /// <summary>Runs vmorph with arguments in a context; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        var registrar = new TypeRegistrar();
        registrar.RegisterInstance(typeof(CliContext), context);
        var app = new CommandApp(registrar);
        app.Configure(config =>
        {
            config.SetApplicationName("vmorph");
            config.SetApplicationVersion(typeof(VmorphApp).Assembly.GetName().Version?.ToString(3) ?? "0");
            config.Settings.Console = context.Console;
            config.Settings.ExceptionHandler = (exception, _) =>
            {
                context.Error.WriteLine("vmorph: error: " + exception.Message);
                return exception is CommandParseException or CommandRuntimeException ? ExitCodes.Usage : ExitCodes.Error;
            };
            config.AddCommand<ImportCommand>("import")
                .WithDescription("Load trace files into the store, folding them into personality profiles. Importing the same files again changes nothing.")
                .WithExample("import", "../shared/traces/bitbrains-rnd");
            config.AddCommand<FleetCommand>("fleet")
                .WithDescription("List every VM with its strongest traits.")
                .WithExample("fleet", "--output", "json");
            config.AddCommand<ProfileCommand>("profile")
                .WithDescription("Show a VM's whole personality profile.")
                .WithExample("profile", "bitbrains:1");
            config.AddCommand<TraitsCommand>("traits")
                .WithDescription("Show a VM's weighted trait vector; --explain says which features made each score.")
                .WithExample("traits", "bitbrains:1", "--explain");
            config.AddCommand<CollectCommand>("collect").WithDescription("Watch the VMs of a libvirt connection (configuration, metrics, and the guests from inside) and fold what is seen into the store.").WithExample("collect", "--connect", "qemu:///system", "--once");
            config.AddCommand<HistoryCommand>("history").WithDescription("Show a VM's configuration versions, each with its cause and diff.").WithExample("history", "lab-1");
            config.AddCommand<ConsentCommand>("consent").WithDescription("Record (--grant --by WHO --scope TEXT) or withdraw (--withdraw) consent to model user behaviour on a VM.").WithExample("consent", "lab-1", "--grant", "--by", "ops-ticket-42", "--scope", "interactive hours");
            config.AddCommand<AgentCommand>("agent").WithDescription("Print the in-guest view of this machine (processes, sockets, interfaces, data footprint), as the collector reads guests.").WithExample("agent", "--once", "--output", "json");
            config.AddCommand<SimulateCommand>("simulate").WithDescription("What-if: replay traces through vmorph's policies and the baselines (VPA, Autopilot, AWS Compute Optimizer, oracle) and score them.");
            config.AddCommand<PlanCommand>("plan").WithDescription("Show what morphing a VM to a target profile would change, like terraform plan (exit 0 no changes, 2 changes, 1 error); --out saves it.").WithExample("plan", "lab-1", "--to", "web-server");
            config.AddCommand<ApplyCommand>("apply").WithDescription("Morph a VM: a saved plan exactly, or VM --to PROFILE (plan and apply). Snapshot when needed, live steps, the guard's window, then committed or rolled back.").WithExample("apply", "lab-1", "--to", "web-server", "--observe", "30s");
            config.AddCommand<RollbackCommand>("rollback").WithDescription("Return a VM to a committed configuration version (default: the one before its last morph), as a guarded morph.").WithExample("rollback", "lab-1");
            config.AddCommand<RecoverCommand>("recover").WithDescription("Resume or roll back unfinished morphs after a crash or kill; --resolve MORPH --note TEXT releases a failed morph's VM.").WithExample("recover");
            config.AddCommand<ArchetypesCommand>("archetypes")
                .WithDescription("List the archetypes and features traits are scored with (built-in and your own YAML).");
        });
        return await app.RunAsync(args, cancellationToken);
    }
}
