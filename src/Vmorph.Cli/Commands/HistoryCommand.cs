using Spectre.Console;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Guard;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph history VM</c>: the VM's configuration versions, each with its cause and its diff from the one before, then
/// its morphs with their plans, the guard's verdicts and how long they took. Unfinished morphs are pointed out (they are
/// recovered by the next morph command or <c>vmorph recover</c>).
/// </summary>
public sealed class HistoryCommand(CliContext context) : VmorphCommand<VmSettings>(context)
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(VmSettings settings, CancellationToken cancellationToken)
    {
        using var store = Context.OpenStore(settings);
        var p = (await store.FindOrFailAsync(settings.Vm, cancellationToken)).Profile;
        var versions = p.ConfigurationHistory.Versions;
        using var journal = SqliteMorphJournal.Open(Path.Combine(Context.DataDirectory(settings.DataDirectory), "vmorph.db"), Context.Clock);
        var morphs = new List<(MorphRecord Record, IReadOnlyList<MorphJournalEntry> Entries, Plan? Plan)>();
        foreach (var record in await journal.ListAsync(p.Id, cancellationToken))
        {
            var plan = PlanFile.Load(record.PlanJson, $"the plan of morph {record.MorphId}");
            morphs.Add((record, await journal.ReadAsync(record.MorphId, cancellationToken), plan.IsSuccess ? plan.Value : null));
        }
        foreach (var unfinished in morphs.Where(m => !m.Record.Finished))
            Context.Error.WriteLine($"vmorph: morph {unfinished.Record.MorphId} of VM '{p.Name}' is unfinished ({unfinished.Entries[^1].State.Describe()}); './vmorph recover' (or any morph command) resumes or rolls it back");

        if (settings.Json)
        {
            WriteJson(new HistoryJson(p.Id.Value, p.Name, p.Source, [.. versions.Select(JsonViews.Version)], [.. morphs.Select(m => HistoryMorphJson.From(m.Record, m.Entries, m.Plan))]));
            return ExitCodes.Success;
        }
        Context.WriteMarkupLine(Markup.Escape($"{p.Name} ({p.Id}): {versions.Count} configuration version(s), from {p.Source}"));
        foreach (var v in versions)
        {
            Context.WriteMarkupLine($"[bold]v{v.Version}[/]  " + Markup.Escape($"{v.ObservedAt:yyyy-MM-dd HH:mm:ss}Z  {v.Cause}  (content {v.ContentHash[..12]})"));
            foreach (var change in v.Changes)
            {
                var colour = change.Kind switch { '+' => "green", '-' => "red", _ => "yellow" };
                Context.WriteMarkupLine($"  [{colour}]{Markup.Escape(ConfigurationValues.Describe(change))}[/]");
            }
        }
        if (versions.Count == 0) Context.Hint("no configuration seen yet: ./vmorph collect --once records one");
        if (morphs.Count > 0)
        {
            Context.WriteMarkupLine("");
            Context.WriteMarkupLine($"[bold]Morphs ({morphs.Count})[/]");
        }
        foreach (var (record, entries, plan) in morphs)
        {
            var last = entries[^1].State;
            var timings = MorphTimings.From(entries);
            var outcome = last.Phase switch
            {
                MorphPhase.Committed => $"committed as v{record.CommittedVersion}",
                MorphPhase.RolledBack => "rolled back",
                MorphPhase.Failed => last.Resolution is null ? "FAILED, needs a person" : "failed, resolved by a person",
                _ => "unfinished: " + last.Describe(),
            };
            var colour = last.Phase switch { MorphPhase.Committed => "green", MorphPhase.RolledBack => "yellow", _ => "red" };
            Context.WriteMarkupLine($"[bold]{Markup.Escape(record.MorphId)}[/]  " + Markup.Escape($"{record.CreatedAt:yyyy-MM-dd HH:mm:ss}Z  {(record.Kind == MorphKind.Apply ? "apply" : "rollback")} -> {record.Target}  plan {record.PlanId}  ") + $"[{colour}]{Markup.Escape(outcome)}[/]");
            Context.WriteMarkupLine("  " + Markup.Escape(MorphJson.DescribeTimings(timings)));
            if (plan is not null)
            {
                Context.WriteMarkupLine("  " + Markup.Escape(plan.Summary.ToString() + (plan.Delta.SnapshotRequired ? " Snapshot first." : "")));
                foreach (var step in plan.Steps)
                    Context.WriteMarkupLine("    " + Markup.Escape(step.Kind == StepKind.RestartVm ? $"{step.Index} ! restart the VM" : $"{step.Index} {string.Join(", ", step.Changes.Select(PlanRenderer.Change))} ({(step.Channel == StepChannel.Guest ? "guest" : step.Mode == StepMode.Live ? "live" : "restart")})"));
            }
            if ((last.Verdict ?? record.Verdict) is { } verdict) Context.WriteMarkupLine("  guard: " + Markup.Escape(verdict.Reason));
            if (last.RollbackReason is { } why && last.Phase != MorphPhase.Committed) Context.WriteMarkupLine("  why rolled back: " + Markup.Escape(why));
            if (last.FailureReason is { } failure) Context.WriteMarkupLine("  [red]failure:[/] " + Markup.Escape(failure));
            if (last.Resolution is { } resolution) Context.WriteMarkupLine("  resolved: " + Markup.Escape(resolution));
            if (record.Discarded is { } discarded) Context.WriteMarkupLine("  [red]discarded:[/] " + Markup.Escape(discarded));
            if (record.Notes is { } notes) foreach (var note in notes.Split('\n')) Context.WriteMarkupLine("  left out: " + Markup.Escape(note));
        }
        return ExitCodes.Success;
    }
}
