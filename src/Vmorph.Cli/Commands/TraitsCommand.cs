using System.ComponentModel;
using System.Globalization;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Traits;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph traits VM [--explain]</c>: the weighted trait vector.</summary>
public sealed class TraitsCommand(CliContext context) : VmorphCommand<TraitsCommand.Settings>(context), IServerCommand
{
    /// <summary>Options of <c>traits</c>.</summary>
    public sealed class Settings : VmSettings
    {
        /// <summary>Show the reasons.</summary>
        [CommandOption("--explain")]
        [Description("Show, for every trait, the features that made its score with their values and weights, and those without data.")]
        public bool Explain { get; init; }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        using (var server = ServerClient.Open(Context, settings))
            if (server is not null) return await RunOnServerAsync(server, settings, cancellationToken);
        var catalog = Context.LoadCatalog(settings);
        using var store = Context.OpenStore(settings);
        var stored = await store.FindOrFailAsync(settings.Vm, cancellationToken);
        var traits = TraitScorer.Score(stored.Profile, catalog);
        var workload = WorkloadClassifier.Classify(traits, catalog.Classification);
        if (settings.Json)
        {
            WriteJson(new TraitsJson(stored.Profile.Id.Value, stored.Profile.Name, WorkloadJson.From(workload), [.. traits.Traits.Select(TraitJson.From)]));
            return ExitCodes.Success;
        }
        var table = new TableView(Columns(settings.Explain)) { Title = $"{stored.Profile.Name} ({stored.Profile.Id}): workload {workload.Describe()}" };
        foreach (var t in traits.Traits)
        {
            var cells = new List<string>
            {
                t.Trait,
                t.Kind.ToString().ToLowerInvariant(),
                t.Score.ToString("0.00", CultureInfo.InvariantCulture),
                Bar(t.Score),
                t.Coverage.ToString("P0", CultureInfo.InvariantCulture),
            };
            if (settings.Explain)
            {
                var because = t.Contributions.Select(c => c.ToString()).ToList();
                if (t.Missing.Length > 0) because.Add("no data: " + string.Join(", ", t.Missing));
                cells.Add(string.Join("\n", because));
            }
            table.AddRow(cells);
        }
        Context.WriteTable(table, settings);
        // On a terminal the title says it; off one the rows stay the table alone and this goes to standard error.
        if (!Context.Terminal.OutputIsTerminal) Context.Hint($"{stored.Profile.Name} ({stored.Profile.Id}): workload {workload.Describe()}");
        Context.Hint(workload.Reason);
        if (!settings.Explain) Context.Hint("--explain shows the features behind each score");
        return ExitCodes.Success;
    }

    // The same from a server's traits view: the table from the JSON it answers, worded as on the store.
    private async Task<int> RunOnServerAsync(ServerClient server, Settings settings, CancellationToken cancellationToken)
    {
        var view = ServerClient.Read<TraitsJson>(await server.GetAsync($"api/v1/vms/{Uri.EscapeDataString(settings.Vm)}/traits", cancellationToken));
        if (settings.Json)
        {
            WriteJson(view);
            return ExitCodes.Success;
        }
        var workload = ServerViews.Describe(view.Workload);
        var table = new TableView(Columns(settings.Explain)) { Title = $"{view.Name} ({view.Id}): workload {workload}" };
        foreach (var t in view.Traits)
        {
            var cells = new List<string>
            {
                t.Trait, t.Kind.ToString().ToLowerInvariant(), t.Score.ToString("0.00", CultureInfo.InvariantCulture), Bar(t.Score),
                t.Coverage.ToString("P0", CultureInfo.InvariantCulture),
            };
            if (settings.Explain)
            {
                var because = t.Contributions.Select(ServerViews.Describe).ToList();
                if (t.Missing.Count > 0) because.Add("no data: " + string.Join(", ", t.Missing));
                cells.Add(string.Join("\n", because));
            }
            table.AddRow(cells);
        }
        Context.WriteTable(table, settings);
        if (!Context.Terminal.OutputIsTerminal) Context.Hint($"{view.Name} ({view.Id}): workload {workload}");
        Context.Hint(view.Workload.Reason);
        if (!settings.Explain) Context.Hint("--explain shows the features behind each score");
        return ExitCodes.Success;
    }

    private static List<ViewColumn> Columns(bool explain)
    {
        var columns = new List<ViewColumn>
        {
            new("trait"), new("kind"), new("score") { RightAligned = true }, new("") { TerminalOnly = true }, new("coverage") { RightAligned = true },
        };
        if (explain) columns.Add(new ViewColumn("because"));
        return columns;
    }

    private static string Bar(double score) => new string('█', (int)Math.Round(score * 20)).PadRight(20, '·');
}
