using Spectre.Console;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph history VM</c>: the VM's configuration versions, each with its cause and its diff from the one before.</summary>
public sealed class HistoryCommand(CliContext context) : VmorphCommand<VmSettings>(context)
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(VmSettings settings, CancellationToken cancellationToken)
    {
        using var store = Context.OpenStore(settings);
        var p = (await store.FindOrFailAsync(settings.Vm, cancellationToken)).Profile;
        var versions = p.ConfigurationHistory.Versions;
        if (settings.Json)
        {
            WriteJson(new HistoryJson(p.Id.Value, p.Name, p.Source, [.. versions.Select(JsonViews.Version)]));
            return ExitCodes.Success;
        }
        var console = Context.Console;
        console.MarkupLine(Markup.Escape($"{p.Name} ({p.Id}): {versions.Count} configuration version(s), from {p.Source}"));
        foreach (var v in versions)
        {
            console.MarkupLine($"[bold]v{v.Version}[/]  " + Markup.Escape($"{v.ObservedAt:yyyy-MM-dd HH:mm:ss}Z  {v.Cause}  (content {v.ContentHash[..12]})"));
            foreach (var change in v.Changes)
            {
                var colour = change.Kind switch { '+' => "green", '-' => "red", _ => "yellow" };
                console.MarkupLine($"  [{colour}]{Markup.Escape(change.ToString())}[/]");
            }
        }
        if (versions.Count == 0) console.MarkupLine("no configuration seen yet: [bold]./vmorph collect --once[/] records one");
        return ExitCodes.Success;
    }
}

/// <summary><c>vmorph history VM --output json</c>.</summary>
public sealed record HistoryJson(string Id, string Name, string Source, IReadOnlyList<ConfigurationVersionJson> Versions);
