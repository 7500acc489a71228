using System.ComponentModel;
using System.Text.Json.Nodes;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph label VM key=value... [key-]</c>: sets and removes a VM's labels (which policies match), on the store or
/// through a running server (<c>--server</c>: the loop matches policies again at once). Prints the labels after.
/// </summary>
public sealed class LabelCommand(CliContext context) : VmorphCommand<LabelCommand.Settings>(context), IServerCommand
{
    /// <summary>Options of <c>label</c>.</summary>
    public sealed class Settings : VmSettings
    {
        /// <summary>The changes.</summary>
        [CommandArgument(1, "<CHANGES>")]
        [Description("KEY=VALUE sets a label, KEY- removes it; several at once.")]
        public string[] Changes { get; init; } = [];
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var changes = Parse(settings.Changes);
        using (var server = ServerClient.Open(Context, settings))
        {
            if (server is not null)
            {
                var body = new JsonObject();
                foreach (var (key, value) in changes) body[key] = value;
                var after = await server.SendAsync(HttpMethod.Patch, $"api/v1/vms/{Uri.EscapeDataString(settings.Vm)}/labels", body, cancellationToken);
                return Print(settings, ServerClient.Read<SortedDictionary<string, string>>(after));
            }
        }
        using var store = Context.OpenStore(settings);
        var vm = (await store.FindOrFailAsync(settings.Vm, cancellationToken)).Profile;
        using var control = SqliteControlStore.Open(Path.Combine(Context.DataDirectory(settings.DataDirectory), "vmorph.db"), Context.Clock);
        var labels = await control.SetLabelsAsync(vm.Id, changes, cancellationToken);
        Context.Hint($"labels of '{vm.Name}' set in the store; a running server matches policies again when the VM's grain next loads them (with --server: at once)");
        return Print(settings, new SortedDictionary<string, string>(labels.ToDictionary(), StringComparer.Ordinal));
    }

    private static Dictionary<string, string?> Parse(IReadOnlyList<string> arguments)
    {
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var argument in arguments)
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            string key;
            string? value;
            if (equals > 0) (key, value) = (argument[..equals], argument[(equals + 1)..]);
            else if (argument.EndsWith('-') && argument.Length > 1) (key, value) = (argument[..^1], null);
            else
            {
                errors.Add($"'{argument}' is neither KEY=VALUE (set) nor KEY- (remove)");
                continue;
            }
            if (!changes.TryAdd(key, value)) errors.Add($"label '{key}' is given twice");
        }
        if (errors.Count == 0) errors.AddRange(LabelRules.Errors(changes));
        if (errors.Count > 0) throw new CliException(string.Join("\n", errors), ExitCodes.Usage);
        return changes;
    }

    private int Print(Settings settings, SortedDictionary<string, string> labels)
    {
        if (settings.Json) WriteJson(labels);
        else if (labels.Count == 0) Context.Hint($"'{settings.Vm}' has no labels now");
        else foreach (var (key, value) in labels) Context.Output.WriteLine($"{key}={value}");
        return ExitCodes.Success;
    }
}
