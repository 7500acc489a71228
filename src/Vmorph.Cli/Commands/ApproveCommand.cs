using System.ComponentModel;
using System.Text.Json.Nodes;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Commands;

/// <summary>Options of the commands about one plan of a VM.</summary>
public class PlanDecisionSettings : VmSettings
{
    /// <summary>The plan.</summary>
    [CommandArgument(1, "<PLAN>")]
    [Description("The plan's id (the server lists a VM's plans: GET /api/v1/vms/VM/plans; 'vmorph plan VM --to T --server URL' prints the one it makes).")]
    public string Plan { get; init; } = "";
}

/// <summary>
/// <c>vmorph approve VM PLAN --server URL</c>: approves a plan the loop parked for approval (or one a person made with
/// <c>plan --server</c>) and applies it; the morph runs on in the server. Needs a server: pending plans live in its loop.
/// </summary>
public sealed class ApproveCommand(CliContext context) : VmorphCommand<PlanDecisionSettings>(context), IServerCommand
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(PlanDecisionSettings settings, CancellationToken cancellationToken)
    {
        using var server = ServerClient.Open(Context, settings) ?? throw PlanDecisions.NeedsServer("approve");
        var plan = await server.SendAsync(HttpMethod.Post, PlanDecisions.Path(settings, "approve"), null, cancellationToken);
        return PlanDecisions.Print(Context, settings, plan, $"approved plan {settings.Plan} of {plan["vmName"]}" + (plan["morphId"] is { } morph ? $": morph {morph} runs on the server ('vmorph morphs {settings.Vm} --server {server.Server}' follows it)" : ""));
    }
}

/// <summary>
/// <c>vmorph reject VM PLAN --reason TEXT --server URL</c>: rejects a plan parked for approval; the reason is kept with
/// it (and in the audit). Needs a server.
/// </summary>
public sealed class RejectCommand(CliContext context) : VmorphCommand<RejectCommand.Settings>(context), IServerCommand
{
    /// <summary>Options of <c>reject</c>.</summary>
    public sealed class Settings : PlanDecisionSettings
    {
        /// <summary>Why.</summary>
        [CommandOption("--reason <TEXT>")]
        [Description("Why the plan is rejected (required; kept with the plan and in the audit).")]
        public string? Reason { get; init; }

        /// <inheritdoc />
        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Reason) ? Spectre.Console.ValidationResult.Error("--reason TEXT is required: say why the plan is rejected") : base.Validate();
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        using var server = ServerClient.Open(Context, settings) ?? throw PlanDecisions.NeedsServer("reject");
        var plan = await server.SendAsync(HttpMethod.Post, PlanDecisions.Path(settings, "reject"), new JsonObject { ["reason"] = settings.Reason }, cancellationToken);
        return PlanDecisions.Print(Context, settings, plan, $"rejected plan {settings.Plan} of {plan["vmName"]}: {settings.Reason}");
    }
}

/// <summary>What approve and reject share.</summary>
internal static class PlanDecisions
{
    public static CliException NeedsServer(string command) =>
        new($"'vmorph {command}' needs a running server: --server URL (pending plans live in the loop of 'vmorph serve')", ExitCodes.Usage);

    public static string Path(PlanDecisionSettings settings, string decision) =>
        $"api/v1/vms/{Uri.EscapeDataString(settings.Vm)}/plans/{Uri.EscapeDataString(settings.Plan)}/{decision}";

    public static int Print(CliContext context, GlobalSettings settings, JsonNode plan, string text)
    {
        if (settings.Json) context.Output.WriteLine(ServerClient.Print(plan));
        else context.Output.WriteLine(text);
        return ExitCodes.Success;
    }
}
