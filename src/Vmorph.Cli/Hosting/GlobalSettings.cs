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
    [Description("text (default) or json.")]
    [DefaultValue(OutputFormat.Text)]
    public OutputFormat Output { get; init; }

    /// <summary>Extra archetype files or directories.</summary>
    [CommandOption("--archetypes <PATH>")]
    [Description("An archetype YAML file or directory that adds to or overrides the built-in archetypes; may be repeated.")]
    public string[]? Archetypes { get; init; }

    /// <summary>Whether the output is JSON.</summary>
    public bool Json => Output == OutputFormat.Json;

    /// <inheritdoc />
    public override ValidationResult Validate() => ValidationResult.Success();
}
