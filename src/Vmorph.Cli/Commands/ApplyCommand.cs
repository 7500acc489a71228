using System.ComponentModel;
using System.Globalization;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Guard;
using Vmorph.Morphing;
using Vmorph.Planning;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph apply FILE</c> carries out a saved plan exactly (refused, with the differences, if the VM changed since),
/// without asking: a saved plan is the reviewed plan, as with <c>terraform apply PLANFILE</c>. <c>vmorph apply VM --to
/// TARGET</c> plans and applies in one go, like <c>terraform apply</c>, and asks first unless <c>--yes</c>. The morph is a durable state machine: snapshot when needed, the steps, the
/// guard's window, then committed or rolled back. Exit 0 committed (or nothing to do), 4 rolled back, 5 busy, 1 error.
/// </summary>
public sealed class ApplyCommand(CliContext context) : VmorphCommand<ApplyCommand.Settings>(context)
{
    /// <summary>Options of <c>apply</c>.</summary>
    public sealed class Settings : MorphRunSettings, IPlanSettings
    {
        /// <summary>A plan file, or a VM with <c>--to</c>.</summary>
        [CommandArgument(0, "<PLAN_OR_VM>")]
        [Description("A plan file saved by 'vmorph plan --out' (applied without asking), or a VM's name or UUID with --to TARGET.")]
        public string Target { get; init; } = "";

        /// <summary>The target profile, when the argument is a VM.</summary>
        [CommandOption("--to <TARGET>")]
        [Description("Plan the VM to this target profile and apply it (the argument is then a VM); asks first unless --yes ('vmorph targets' lists the targets).")]
        public string? To { get; init; }

        /// <inheritdoc />
        [CommandOption("--targets <DIR>")]
        [Description(TargetsOption.Description)]
        public string? Targets { get; init; }

        /// <summary>When the morph takes its snapshot.</summary>
        [CommandOption("--snapshot <POLICY>")]
        [Description("When to snapshot: 'auto' (default) before any step that cannot be undone live, such as a vCPU hot-add (the guest pauses while its memory is saved); 'minimal' only before a step nothing but the snapshot can undo, relying on a restart to undo a hot-add (no pause; a failed restart then needs a person). See docs/MORPHING.md.")]
        [DefaultValue("auto")]
        public string Snapshot { get; init; } = "auto";
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        using var session = await MorphSession.OpenAsync(Context, settings, recover: true, cancellationToken);
        Plan plan;
        IReadOnlyList<string> notes = [];
        if (settings.To is { } to)
        {
            var vm = await session.FindVmAsync(settings.Target, cancellationToken);
            if (settings.Wait)
            {
                // Plan against the VM as the morph holding it leaves it, not as it is mid-change.
                var busy = await session.Engine.WaitUntilFreeAsync(vm.Id, Durations.Parse(settings.WaitTimeout, "--wait-timeout"), cancellationToken);
                if (busy is not null) throw new CliException(busy, MorphExitCodes.Busy);
                vm = await session.FindVmAsync(settings.Target, cancellationToken);
            }
            var outcome = await session.PlanAsync(settings, vm, to, cancellationToken);
            plan = outcome.Plan;
            notes = outcome.Notes;
        }
        else
        {
            if (!File.Exists(settings.Target))
                throw new CliException($"no plan file {settings.Target}; to plan and apply in one go: vmorph apply VM --to TARGET");
            plan = await ShowCommand.LoadAsync(settings.Target, cancellationToken);
        }
        // A saved plan was reviewed when it was saved: it is applied as it is, without a question (terraform's rule).
        var question = settings.To is null ? null : $"Apply plan {plan.Id} to VM '{plan.VmName}'?";
        return await Run(session, settings, plan, MorphKind.Apply, notes, question, Context, cancellationToken);
    }

    /// <summary>
    /// Shows the plan, confirms (when <paramref name="question"/> is given: null applies without asking, as for a saved
    /// plan), applies, and reports (shared with rollback).
    /// </summary>
    internal static async Task<int> Run(MorphSession session, MorphRunSettings settings, Plan plan, MorphKind kind, IReadOnlyList<string> notes, string? question, CliContext context, CancellationToken cancellationToken)
    {
        if (!settings.Json)
        {
            context.Output.Write(PlanRenderer.Text(plan));
            foreach (var line in MorphSession.NoteLines(notes)) context.Error.WriteLine(line);
            context.Output.WriteLine();
        }
        var options = MorphSession.ApplyOptions(settings, context, notes, cancellationToken);
        if (plan.HasChanges && question is not null) MorphSession.Confirm(settings, context, question);
        // Ctrl-C (the command's token) asks the morph to roll back between actions; the morph itself is not torn down.
        var outcome = await session.Engine.ApplyAsync(plan, kind, options, CancellationToken.None);
        if (settings.Json) context.Output.WriteLine(JsonViews.Serialize(MorphJson.From(outcome, plan)));
        else
        {
            context.Output.WriteLine(outcome.Message);
            if (outcome.Timings is { } t && outcome.Result is MorphResult.Committed or MorphResult.RolledBack)
                context.Output.WriteLine(MorphJson.DescribeTimings(t));
        }
        return MorphExitCodes.For(outcome.Result);
    }
}
