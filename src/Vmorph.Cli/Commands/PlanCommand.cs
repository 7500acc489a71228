using System.ComponentModel;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Planning;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph plan VM --to TARGET</c>: what morphing the VM to a target profile would change, like <c>terraform
/// plan</c> (<c>+</c> / <c>~</c> / <c>-</c>, live or restart, a summary), or the plan file as JSON; <c>--out</c> saves
/// it for <c>vmorph apply FILE</c>. Exit 0: no changes, 2: changes, 1: error; a usage error is 64, never 2.
/// </summary>
public sealed class PlanCommand(CliContext context) : VmorphCommand<PlanCommand.Settings>(context), IServerCommand
{
    /// <summary>Options of <c>plan</c>.</summary>
    public sealed class Settings : MorphConnectionSettings, IPlanSettings
    {
        /// <summary>The VM.</summary>
        [CommandArgument(0, "<VM>")]
        [Description("The VM's libvirt name or UUID.")]
        public string Vm { get; init; } = "";

        /// <summary>The target profile.</summary>
        [CommandOption("--to <TARGET>")]
        [Description("The target profile ('vmorph targets' lists them: web-server, database-server, data-analytics-node, security-scanner, development, and your own).")]
        public string? To { get; init; }

        /// <inheritdoc />
        [CommandOption("--targets <DIR>")]
        [Description(TargetsOption.Description)]
        public string? Targets { get; init; }

        /// <summary>Where to save the plan.</summary>
        [CommandOption("--out <FILE>")]
        [Description("Save the plan (JSON) to apply it exactly later: vmorph apply FILE.")]
        public string? Out { get; init; }

        /// <summary>When the morph takes its snapshot.</summary>
        [CommandOption("--snapshot <POLICY>")]
        [Description("When to snapshot: 'auto' (default) before any step that cannot be undone live, such as a vCPU hot-add (the guest pauses while its memory is saved); 'minimal' only before a step nothing but the snapshot can undo, relying on a restart to undo a hot-add (no pause; a failed restart then needs a person). See docs/MORPHING.md.")]
        [DefaultValue("auto")]
        public string Snapshot { get; init; } = "auto";

        /// <summary>Whether to show how every step is undone.</summary>
        [CommandOption("--inverses")]
        [Description("Show under every step how rollback undoes it (shown for high-risk steps anyway).")]
        public bool Inverses { get; init; }

        /// <inheritdoc />
        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(To) ? Spectre.Console.ValidationResult.Error("--to TARGET is required ('vmorph targets' lists them)") : base.Validate();
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            using (var server = ServerClient.Open(Context, settings))
                if (server is not null) return await RunOnServerAsync(server, settings, cancellationToken);
            using var session = await MorphSession.OpenAsync(Context, settings, recover: true, cancellationToken);
            var vm = await session.FindVmAsync(settings.Vm, cancellationToken);
            var outcome = await session.PlanAsync(settings, vm, settings.To!, cancellationToken);
            var plan = outcome.Plan;
            if (settings.Out is { } file)
            {
                var path = Path.GetFullPath(file);
                await using (var saved = new FileStream(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite })) await saved.WriteAsync(System.Text.Encoding.UTF8.GetBytes(PlanFile.Save(plan)), cancellationToken);
            }
            if (settings.Json)
            {
                Context.Output.Write(PlanFile.Save(plan));
                foreach (var note in outcome.Notes) Context.Error.WriteLine($"vmorph: left out for this guest: {note}");
            }
            else
            {
                Context.Output.Write(PlanRenderer.Text(plan, settings.Inverses));
                foreach (var line in MorphSession.NoteLines(outcome.Notes)) Context.Error.WriteLine(line);
                if (settings.Out is { } saved)
                    Context.Error.WriteLine($"\nSaved to {saved}: 'vmorph apply {saved}' carries out exactly this plan, without asking again (refused if VM '{plan.VmName}' changes meanwhile).");
                else if (plan.HasChanges)
                    Context.Error.WriteLine($"\n'vmorph apply {plan.VmName} --to {plan.TargetProfile}' plans again and applies; --out FILE saves this plan to apply exactly.");
            }
            return PlanExitCodes.For(Result<Plan>.Ok(plan));
        }
        catch (CliException e) when (e.ExitCode != ExitCodes.Usage)
        {
            // plan's exit codes are terraform's: every error is 1, whatever it would be elsewhere.
            throw new CliException(e.Message, PlanExitCodes.Error);
        }
    }

    // On a server the loop plans (with the server's host, targets and policies) and keeps the plan for approve; the
    // plan file and its rendering come back, printed as on the store.
    private async Task<int> RunOnServerAsync(ServerClient server, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Connect is not null || settings.Targets is not null || settings.Inverses || !string.Equals(settings.Snapshot, "auto", StringComparison.OrdinalIgnoreCase))
            throw new CliException("with --server the server plans with its own connection, targets and snapshot policy: leave out --connect, --targets, --snapshot and --inverses", ExitCodes.Usage);
        var view = await server.SendAsync(HttpMethod.Post, $"api/v1/vms/{Uri.EscapeDataString(settings.Vm)}/plans", new System.Text.Json.Nodes.JsonObject { ["target"] = settings.To }, cancellationToken);
        var planJson = view["planJson"]?.GetValue<string>() ?? "";
        var loaded = PlanFile.Load(planJson, $"the plan the server at {server.Server} made");
        if (!loaded.IsSuccess) throw new CliException(string.Join("\n", loaded.Errors));
        var plan = loaded.Value;
        if (settings.Out is { } file)
        {
            await using var saved = new FileStream(Path.GetFullPath(file), new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite });
            await saved.WriteAsync(System.Text.Encoding.UTF8.GetBytes(planJson), cancellationToken);
        }
        if (settings.Json) Context.Output.Write(planJson);
        else
        {
            Context.Output.Write(view["rendered"]?.GetValue<string>() ?? "");
            Context.Error.WriteLine($"\nKept on the server as plan {view["planId"]} ({view["state"]}): 'vmorph approve {settings.Vm} {view["planId"]} --server {server.Server}' applies it; 'vmorph reject ... --reason TEXT' drops it.");
        }
        return PlanExitCodes.For(Result<Plan>.Ok(plan));
    }
}
