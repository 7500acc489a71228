using Spectre.Console;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;
using Vmorph.Traits;

namespace Vmorph.Cli.Hosting;

/// <summary>
/// What every command is handed: the console for people, a raw writer for machine output (JSON is never wrapped or
/// styled), the error writer, the clock and the environment. Tests build one over string writers.
/// </summary>
public sealed class CliContext(IAnsiConsole console, TextWriter output, TextWriter error, TimeProvider clock, IReadOnlyDictionary<string, string?> environment)
{
    /// <summary>The console for people (tables, progress).</summary>
    public IAnsiConsole Console { get; } = console;

    /// <summary>Standard output, raw: JSON goes here.</summary>
    public TextWriter Output { get; } = output;

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>The clock.</summary>
    public TimeProvider Clock { get; } = clock;

    /// <summary>Environment variables (<c>VMORPH_DATA_DIR</c>, <c>HOME</c>, <c>XDG_DATA_HOME</c>).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; } = environment;

    /// <summary>The process's real context.</summary>
    public static CliContext FromProcess() => new(
        AnsiConsole.Console,
        System.Console.Out,
        System.Console.Error,
        TimeProvider.System,
        System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal));

    /// <summary>
    /// The data directory: <c>--data-dir</c>, else <c>$VMORPH_DATA_DIR</c>, else <c>$XDG_DATA_HOME/vmorph</c>, else
    /// <c>~/.local/share/vmorph</c>.
    /// </summary>
    public string DataDirectory(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option)) return Path.GetFullPath(option);
        if (Environment.GetValueOrDefault("VMORPH_DATA_DIR") is { Length: > 0 } fromEnv) return Path.GetFullPath(fromEnv);
        if (Environment.GetValueOrDefault("XDG_DATA_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "vmorph");
        var home = Environment.GetValueOrDefault("HOME") is { Length: > 0 } h ? h : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "vmorph");
    }

    /// <summary>Opens the store in the data directory (created on first use).</summary>
    public IFleetStore OpenStore(GlobalSettings settings)
    {
        var path = Path.Combine(DataDirectory(settings.DataDirectory), "vmorph.db");
        try
        {
            return SqliteFleetStore.Open(path, Clock);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new CliException($"cannot open the store at {path}: {e.Message}");
        }
    }

    /// <summary>
    /// The archetype catalog: the built-in file, then <c>DATA_DIR/archetypes/*.yaml</c>, then every <c>--archetypes</c>
    /// file or directory, later ones overriding earlier ones by name. Every error in every file is reported at once.
    /// </summary>
    public ArchetypeCatalog LoadCatalog(GlobalSettings settings)
    {
        var documents = new List<(string, string)> { (ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()) };
        var userDirectory = Path.Combine(DataDirectory(settings.DataDirectory), "archetypes");
        var paths = new List<string>();
        if (Directory.Exists(userDirectory)) paths.Add(userDirectory);
        paths.AddRange(settings.Archetypes ?? []);
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                    documents.Add((file, File.ReadAllText(file)));
            }
            else if (File.Exists(path))
            {
                documents.Add((path, File.ReadAllText(path)));
            }
            else
            {
                throw new CliException($"--archetypes: no such file or directory: {path}");
            }
        }
        var catalog = ArchetypeCatalog.Build(documents);
        if (!catalog.IsSuccess)
            throw new CliException("the archetypes are not valid:\n  " + string.Join("\n  ", catalog.Errors));
        return catalog.Value;
    }
}
