using System.ComponentModel;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Planning;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph show PLANFILE</c>: a saved plan, checked as <c>apply</c> checks it and rendered as <c>plan</c> printed it,
/// without reaching the hypervisor or applying anything (<c>terraform show PLANFILE</c>).
/// </summary>
public sealed class ShowCommand(CliContext context) : VmorphCommand<ShowCommand.Settings>(context)
{
    /// <summary>Options of <c>show</c>.</summary>
    public sealed class Settings : GlobalSettings
    {
        /// <summary>The plan file.</summary>
        [CommandArgument(0, "<PLANFILE>")]
        [Description("A plan file saved by 'vmorph plan VM --to TARGET --out PLANFILE'.")]
        public string PlanFile { get; init; } = "";

        /// <summary>Whether to show how every step is undone.</summary>
        [CommandOption("--inverses")]
        [Description("Show under every step how rollback undoes it (shown for high-risk steps anyway).")]
        public bool Inverses { get; init; }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var plan = await LoadAsync(settings.PlanFile, cancellationToken);
        if (settings.Json) Context.Output.Write(Planning.PlanFile.Save(plan));
        else Context.Output.Write(PlanRenderer.Text(plan, settings.Inverses));
        return ExitCodes.Success;
    }

    /// <summary>Reads and checks a plan file, or throws a <see cref="CliException"/> naming the file and every problem.</summary>
    internal static async Task<Plan> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new CliException($"no plan file {path}");
        if (new FileInfo(path).Length > Planning.PlanFile.MaxBytes)
            throw new CliException($"{path}: larger than {Planning.PlanFile.MaxBytes / (1024 * 1024)} MiB; not a plan vmorph wrote");
        var loaded = Planning.PlanFile.Load(await File.ReadAllTextAsync(path, cancellationToken), path);
        return loaded.IsSuccess ? loaded.Value : throw new CliException(string.Join("\n", loaded.Errors));
    }
}
