using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Vmorph.Cli.Hosting;

/// <summary>How a command prints its result.</summary>
public enum OutputFormat
{
    /// <summary>Tables and text for people.</summary>
    Text,
    /// <summary>JSON for scripts (schemas in docs/CLI.md).</summary>
    Json,
    /// <summary>Tables with more columns (kubectl's <c>-o wide</c>); other output as <see cref="Text"/>.</summary>
    Wide,
}

/// <summary>Options every command takes.</summary>
public class GlobalSettings : CommandSettings
{
    /// <summary>Where the store lives.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Where the store lives (default: $VMORPH_DATA_DIR, else $XDG_DATA_HOME/vmorph, else ~/.local/share/vmorph).")]
    public string? DataDirectory { get; init; }

    /// <summary>Output format.</summary>
    [CommandOption("-o|--output <FORMAT>")]
    [Description("text (default), wide (tables with more columns) or json.")]
    [DefaultValue(OutputFormat.Text)]
    public OutputFormat Output { get; init; }

    /// <summary>Extra archetype files or directories.</summary>
    [CommandOption("--archetypes <PATH>")]
    [Description("An archetype YAML file or directory that adds to or overrides the built-in archetypes; may be repeated.")]
    public string[]? Archetypes { get; init; }

    /// <summary>No header row.</summary>
    [CommandOption("--no-headers")]
    [Description("Leave out the header row of tables (for scripts that read the columns).")]
    public bool NoHeaders { get; init; }

    /// <summary>No colour or styling.</summary>
    [CommandOption("--no-color")]
    [Description("No colour or styling (as the NO_COLOR environment variable does).")]
    public bool NoColor { get; init; }

    /// <summary>Print the whole report of an internal error on standard error.</summary>
    [CommandOption("--verbose")]
    [Description("On an internal error (a bug), print its whole report (stack trace) on standard error too, not only in the log file.")]
    public bool Verbose { get; init; }

    /// <summary>A running server to talk to instead of the store.</summary>
    [CommandOption("--server <URL>")]
    [Description("Talk to a running 'vmorph serve' at URL (http://127.0.0.1:8787) instead of the store (fleet, profile, traits, history, plan, approve, reject, label, morphs). The token comes from --token-file or $VMORPH_TOKEN, never from the command line.")]
    public string? Server { get; init; }

    /// <summary>Where the API token is.</summary>
    [CommandOption("--token-file <FILE>")]
    [Description("A file holding the API token for --server (default: the VMORPH_TOKEN environment variable).")]
    public string? TokenFile { get; init; }

    /// <summary>Whether the output is JSON.</summary>
    public bool Json => Output == OutputFormat.Json;

    /// <summary>Whether tables show their wide-only columns (<c>-o wide</c>).</summary>
    public bool Wide => Output == OutputFormat.Wide;

    /// <inheritdoc />
    public override ValidationResult Validate() => ValidationResult.Success();
}
