using System.Text.Json;
using System.Text.Json.Nodes;
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
public sealed class HistoryCommand(CliContext context) : VmorphCommand<VmSettings>(context), IServerCommand
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(VmSettings settings, CancellationToken cancellationToken)
    {
        using (var server = ServerClient.Open(Context, settings))
            if (server is not null) return await RunOnServerAsync(server, settings, cancellationToken);
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

    // The same from a server's history view (GET /api/v1/vms/VM/history): the versions as on the store; each morph
    // from its JSON, its plan read back from the plan document it carries.
    private async Task<int> RunOnServerAsync(ServerClient server, VmSettings settings, CancellationToken cancellationToken)
    {
        var history = await server.GetAsync($"api/v1/vms/{Uri.EscapeDataString(settings.Vm)}/history", cancellationToken);
        string Text(JsonNode? node, string key) => node?[key]?.GetValue<string>() ?? "";
        var morphs = history["morphs"]?.AsArray() ?? [];
        foreach (var unfinished in morphs.Where(m => m?["finished"]?.GetValue<bool>() == false))
            Context.Error.WriteLine($"vmorph: morph {Text(unfinished, "morph")} of VM '{Text(history, "name")}' is unfinished ({Text(unfinished, "phase")}); the server resumes or rolls it back");
        if (settings.Json)
        {
            Context.Output.WriteLine(ServerClient.Print(history));
            return ExitCodes.Success;
        }
        var versions = ServerClient.Read<List<VersionNode>>(history["versions"] ?? new JsonArray());
        Context.WriteMarkupLine(Markup.Escape($"{Text(history, "name")} ({Text(history, "id")}): {versions.Count} configuration version(s), from {Text(history, "source")}"));
        foreach (var v in versions)
        {
            Context.WriteMarkupLine($"[bold]v{v.Version}[/]  " + Markup.Escape($"{v.ObservedAt:yyyy-MM-dd HH:mm:ss}Z  {v.Cause}  (content {v.ContentHash[..Math.Min(12, v.ContentHash.Length)]})"));
            foreach (var change in v.Changes)
            {
                var domain = new Configuration.ConfigurationChange(change.Path, Raw(change.Before), Raw(change.After));
                var colour = domain.Kind switch { '+' => "green", '-' => "red", _ => "yellow" };
                Context.WriteMarkupLine($"  [{colour}]{Markup.Escape(ConfigurationValues.Describe(domain))}[/]");
            }
        }
        if (versions.Count == 0) Context.Hint("no configuration seen yet");
        if (morphs.Count > 0)
        {
            Context.WriteMarkupLine("");
            Context.WriteMarkupLine($"[bold]Morphs ({morphs.Count})[/]");
        }
        foreach (var m in morphs)
        {
            var phase = Text(m, "phase");
            var outcome = phase switch
            {
                "committed" => $"committed as v{m?["committedVersion"]}",
                "rolled-back" => "rolled back",
                "failed" => m?["resolution"] is null ? "FAILED, needs a person" : "failed, resolved by a person",
                _ => "unfinished: " + phase,
            };
            var colour = phase switch { "committed" => "green", "rolled-back" => "yellow", _ => "red" };
            var created = m?["createdAt"]?.GetValue<DateTimeOffset>() ?? default;
            Context.WriteMarkupLine($"[bold]{Markup.Escape(Text(m, "morph"))}[/]  " + Markup.Escape($"{created:yyyy-MM-dd HH:mm:ss}Z  {Text(m, "kind")} -> {Text(m, "target")}  plan {Text(m, "planId")}  ") + $"[{colour}]{Markup.Escape(outcome)}[/]");
            if (m?["timings"] is { } timings) Context.WriteMarkupLine("  " + Markup.Escape(MorphJson.DescribeTimings(ServerClient.Read<MorphTimingsJson>(timings))));
            if (m?["plan"] is { } document && PlanFile.Load(document.ToJsonString(), $"the plan of morph {Text(m, "morph")}") is { IsSuccess: true } loaded)
            {
                var plan = loaded.Value;
                Context.WriteMarkupLine("  " + Markup.Escape(plan.Summary.ToString() + (plan.Delta.SnapshotRequired ? " Snapshot first." : "")));
                foreach (var step in plan.Steps)
                    Context.WriteMarkupLine("    " + Markup.Escape(step.Kind == StepKind.RestartVm ? $"{step.Index} ! restart the VM" : $"{step.Index} {string.Join(", ", step.Changes.Select(PlanRenderer.Change))} ({(step.Channel == StepChannel.Guest ? "guest" : step.Mode == StepMode.Live ? "live" : "restart")})"));
            }
            if (m?["verdict"]?["reason"]?.GetValue<string>() is { } verdict) Context.WriteMarkupLine("  guard: " + Markup.Escape(verdict));
            if (m?["rollbackReason"]?.GetValue<string>() is { } why && phase != "committed") Context.WriteMarkupLine("  why rolled back: " + Markup.Escape(why));
            if (m?["failureReason"]?.GetValue<string>() is { } failure) Context.WriteMarkupLine("  [red]failure:[/] " + Markup.Escape(failure));
            if (m?["resolution"]?.GetValue<string>() is { } resolution) Context.WriteMarkupLine("  resolved: " + Markup.Escape(resolution));
            if (m?["discarded"]?.GetValue<string>() is { } discarded) Context.WriteMarkupLine("  [red]discarded:[/] " + Markup.Escape(discarded));
            foreach (var note in m?["notes"]?.AsArray() ?? []) Context.WriteMarkupLine("  left out: " + Markup.Escape(note?.GetValue<string>() ?? ""));
        }
        return ExitCodes.Success;
    }

    // A configuration value as the store keeps it: text as it is, numbers in the invariant culture.
    private static string? Raw(JsonElement? value) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        { } v => v.GetRawText(),
    };

    private sealed record VersionNode(int Version, string ContentHash, DateTimeOffset ObservedAt, string Cause, IReadOnlyList<ChangeNode> Changes);

    private sealed record ChangeNode(string Path, JsonElement? Before, JsonElement? After);
}
