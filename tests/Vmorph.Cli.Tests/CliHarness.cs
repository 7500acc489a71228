using System.IO.Compression;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console;
using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Tests;

/// <summary>Runs vmorph in-process against a temporary data directory, capturing what it prints.</summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness() => DataDirectory = Directory.CreateTempSubdirectory("vmorph-cli-").FullName;

    public string DataDirectory { get; }

    public string Scratch(string name) => Path.Combine(DataDirectory, name);

    /// <summary>
    /// What standard output and standard error are: pipes (the default: plain, unwrapped output) or a terminal of some
    /// width (<see cref="TerminalInfo.Of"/>), where the console emits ANSI styling and true colour.
    /// </summary>
    public TerminalInfo Terminal { get; set; } = TerminalInfo.Pipes;

    /// <summary>The clock commands see: a fixed fake one by default; the real one where a command waits (a morph).</summary>
    public TimeProvider Clock { get; set; } = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    /// <summary>What a person types on standard input (read only when <see cref="TerminalInfo.InputIsTerminal"/>).</summary>
    public string Input { get; set; } = "";

    /// <summary>Environment variables added to <c>VMORPH_DATA_DIR</c> and <c>HOME</c> (<c>NO_COLOR</c>, <c>COLUMNS</c>).</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs vmorph; <c>Out</c> is standard output, where the console writes too (so <c>Console</c> is the same text,
    /// kept for tests that read the console).
    /// </summary>
    public async Task<(int Exit, string Out, string Error, string Console)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string?>(Environment, StringComparer.Ordinal) { ["VMORPH_DATA_DIR"] = DataDirectory, ["HOME"] = DataDirectory };
        var context = CliContext.Create(output, error, Terminal, Clock, environment,
            AnsiSupport.Yes, ColorSystemSupport.TrueColor, new StringReader(Input));
        var exit = await VmorphApp.RunAsync(args, context, CancellationToken.None);
        return (exit, output.ToString(), error.ToString(), output.ToString());
    }

    /// <summary>Writes a gzip file with the given text.</summary>
    public string WriteGzip(string name, string text)
    {
        var path = Scratch(name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new StreamWriter(gzip);
        writer.Write(text);
        return path;
    }

    public void Dispose() => Directory.Delete(DataDirectory, recursive: true);

    /// <summary>The shared traces, found beside the repository.</summary>
    public static string Traces
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "vmorph.slnx"))) dir = dir.Parent;
            var traces = dir is null ? null : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "traces"));
            if (traces is null || !Directory.Exists(traces))
                throw new InvalidOperationException($"the public traces are expected at {traces ?? "../shared/traces beside the repository"}; check out the shared folder beside the repository");
            return traces;
        }
    }


    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "vmorph.slnx"))) dir = dir.Parent;
        return dir.FullName;
    }

    public static string Root => FindRoot();
}
