using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Import;
using Vmorph.Sources;
using Vmorph.Traces;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph import PATH...</c>: loads trace files into the store.</summary>
public sealed class ImportCommand(CliContext context) : VmorphCommand<ImportCommand.Settings>(context)
{
    /// <summary>Options of <c>import</c>.</summary>
    public sealed class Settings : GlobalSettings
    {
        /// <summary>Files or directories.</summary>
        [CommandArgument(0, "<PATH>")]
        [Description("Trace files or directories (searched recursively for .gz and .csv). Formats are detected from content: Bitbrains GWA-T-12, Azure V1, PlanetLab, Alibaba 2018, Google 2011 GCD, datacenter aggregates.")]
        public string[] Paths { get; init; } = [];

        /// <summary>Skip malformed rows.</summary>
        [CommandOption("--skip-malformed")]
        [Description("Skip and count malformed rows instead of stopping at the first one.")]
        public bool SkipMalformed { get; init; }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await ImportAsync(settings, cancellationToken);
        }
        catch (TraceFormatException e)
        {
            // Only a malformed row (a line after the first) is something --skip-malformed can get past.
            var hint = settings.SkipMalformed || e.Line is null or <= 1
                ? "move it aside or repair it, and run again to continue"
                : "run again to continue; --skip-malformed skips and counts bad rows";
            throw new CliException($"{e.Message}\nnothing from this file was stored; files imported before it are kept ({hint})", ExitCodes.Error);
        }
    }

    private async Task<int> ImportAsync(Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Paths.Length == 0) throw new CliException("import: name one or more trace files or directories", ExitCodes.Usage);
        using var store = Context.OpenStore(settings);
        var importer = new TraceImporter(new TraceReader(), store, Context.Clock);
        var options = new TraceReadOptions(settings.SkipMalformed);
        var stopwatch = Stopwatch.StartNew();
        ImportSummary summary;
        if (!Context.ShowsProgress(settings))
        {
            summary = await importer.ImportAsync(settings.Paths, options, null, cancellationToken);
        }
        else
        {
            summary = await Context.ErrorConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask("importing", maxValue: 1);
                    var reporter = new SynchronousProgress<ImportProgress>(p =>
                    {
                        task.MaxValue = p.FilesTotal;
                        task.Value = p.FilesDone;
                        task.Description = Markup.Escape(Path.GetFileName(p.File));
                    });
                    return await importer.ImportAsync(settings.Paths, options, reporter, cancellationToken);
                });
        }
        var elapsed = stopwatch.Elapsed;
        if (settings.Json)
        {
            WriteJson(new
            {
                store = store.Location,
                summary.Files,
                summary.FilesSkipped,
                summary.Rows,
                summary.MissingRows,
                malformedRowsSkipped = summary.SkippedRows,
                summary.DuplicateRows,
                summary.Vms,
                seconds = Math.Round(elapsed.TotalSeconds, 3),
                summary.Notes,
            });
        }
        else
        {
            var imported = summary.Files - summary.FilesSkipped;
            Context.WriteMarkupLine(string.Create(CultureInfo.InvariantCulture, $"imported [bold]{imported}[/] file(s), {summary.Rows:N0} rows, {summary.Vms} VM(s) in {elapsed.TotalSeconds:0.0} s into {Markup.Escape(store.Location)}"));
            if (summary.FilesSkipped > 0) Context.Hint($"skipped {summary.FilesSkipped} file(s) already imported (same content)");
            if (summary.MissingRows > 0) Context.Hint(string.Create(CultureInfo.InvariantCulture, $"{summary.MissingRows:N0} row(s) marked missing data were counted, not filled in"));
            if (summary.SkippedRows > 0) Context.Hint(string.Create(CultureInfo.InvariantCulture, $"{summary.SkippedRows:N0} malformed row(s) skipped"));
            if (summary.DuplicateRows > 0) Context.Hint(string.Create(CultureInfo.InvariantCulture, $"{summary.DuplicateRows:N0} row(s) added nothing: their VM and time were imported before, or came twice"));
            foreach (var note in summary.Notes) Context.Hint($"note: {note}");
            Context.Hint("./vmorph fleet lists the VMs");
        }
        return ExitCodes.Success;
    }

    /// <summary>Reports on the calling thread: Progress&lt;T&gt; would post to the thread pool, out of order.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
