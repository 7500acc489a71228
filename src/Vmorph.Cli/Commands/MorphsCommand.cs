using System.Globalization;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph morphs VM</c>: a VM's morphs, newest first: when, what (apply to a target or rollback), its plan, where it
/// is and how it ended; from the store's journal or a running server's (<c>--server</c>).
/// </summary>
public sealed class MorphsCommand(CliContext context) : VmorphCommand<VmSettings>(context), IServerCommand
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(VmSettings settings, CancellationToken cancellationToken)
    {
        MorphsJson view;
        using (var server = ServerClient.Open(Context, settings))
        {
            if (server is not null)
            {
                var vm = await server.GetAsync($"api/v1/vms/{Uri.EscapeDataString(settings.Vm)}/traits", cancellationToken);
                var morphs = await server.GetAllAsync($"api/v1/vms/{Uri.EscapeDataString(settings.Vm)}/morphs", cancellationToken);
                view = new MorphsJson(vm["id"]!.GetValue<string>(), vm["name"]!.GetValue<string>(), [.. morphs.Select(ServerClient.Read<MorphItemJson>)]);
            }
            else
            {
                using var store = Context.OpenStore(settings);
                var p = (await store.FindOrFailAsync(settings.Vm, cancellationToken)).Profile;
                using var journal = SqliteMorphJournal.Open(Path.Combine(Context.DataDirectory(settings.DataDirectory), "vmorph.db"), Context.Clock);
                view = new MorphsJson(p.Id.Value, p.Name, [.. (await journal.ListAsync(p.Id, cancellationToken)).Reverse().Select(MorphItemJson.From)]);
            }
        }
        if (settings.Json)
        {
            WriteJson(view);
            return ExitCodes.Success;
        }
        if (view.Morphs.Count == 0)
        {
            Context.Hint($"no morphs of '{view.Name}' yet");
            return ExitCodes.Success;
        }
        var table = new TableView(
            new ViewColumn("morph"), new ViewColumn("created"), new ViewColumn("kind"), new ViewColumn("target"), new ViewColumn("result"),
            new ViewColumn("phase") { WideOnly = true }, new ViewColumn("plan") { WideOnly = true }, new ViewColumn("guard") { WideOnly = true })
        {
            Title = $"{view.Name} ({view.Id}): {view.Morphs.Count} morph(s)",
        };
        foreach (var m in view.Morphs)
        {
            table.AddRow(m.MorphId, m.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture), m.Kind, m.Target,
                m.Result + (m.CommittedVersion is { } v ? $" (v{v})" : ""), m.Phase, m.PlanId, m.GuardVerdict?.Reason ?? "");
        }
        Context.WriteTable(table, settings);
        Context.Hint("./vmorph history VM shows each morph's plan and timings");
        return ExitCodes.Success;
    }
}
