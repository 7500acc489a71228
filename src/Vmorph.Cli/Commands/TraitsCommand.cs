using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Traits;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph traits VM [--explain]</c>: the weighted trait vector.</summary>
public sealed class TraitsCommand(CliContext context) : VmorphCommand<TraitsCommand.Settings>(context)
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
        var catalog = Context.LoadCatalog(settings);
        using var store = Context.OpenStore(settings);
        var stored = await store.FindOrFailAsync(settings.Vm, cancellationToken);
        var traits = TraitScorer.Score(stored.Profile, catalog);
        if (settings.Json)
        {
            WriteJson(new { id = stored.Profile.Id.Value, name = stored.Profile.Name, traits = traits.Traits.Select(TraitJson.From) });
            return ExitCodes.Success;
        }
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{stored.Profile.Name} ({stored.Profile.Id})"))
            .AddColumn("trait").AddColumn("kind").AddColumn(new TableColumn("score").RightAligned()).AddColumn("").AddColumn(new TableColumn("coverage").RightAligned());
        if (settings.Explain) table.AddColumn("because");
        foreach (var t in traits.Traits)
        {
            var cells = new List<string>
            {
                Markup.Escape(t.Trait),
                t.Kind.ToString().ToLowerInvariant(),
                t.Score.ToString("0.00", CultureInfo.InvariantCulture),
                Bar(t.Score),
                t.Coverage.ToString("P0", CultureInfo.InvariantCulture),
            };
            if (settings.Explain)
            {
                var because = string.Join("\n", t.Contributions.Select(c => c.ToString()));
                if (t.Missing.Length > 0) because += (because.Length > 0 ? "\n" : "") + "no data: " + string.Join(", ", t.Missing);
                cells.Add(Markup.Escape(because));
            }
            table.AddRow(cells.ToArray());
        }
        Context.Console.Write(table);
        if (!settings.Explain) Context.Console.MarkupLine("[grey]--explain shows the features behind each score[/]");
        return ExitCodes.Success;
    }

    private static string Bar(double score) => new string('█', (int)Math.Round(score * 20)).PadRight(20, '·');
}
