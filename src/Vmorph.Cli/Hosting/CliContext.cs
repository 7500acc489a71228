using System.Globalization;
using Spectre.Console;
using Vmorph.Cli.Views;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;
using Vmorph.Traits;

namespace Vmorph.Cli.Hosting;

/// <summary>
/// What every command is handed: the console for people, a raw writer for machine output (JSON is never wrapped or
/// styled), the error writer, the clock, the environment, and whether standard output and standard error are
/// terminals. Tests build one over string writers (<see cref="Create"/>).
/// </summary>
/// <remarks>
/// The constructor applies the environment to the consoles: <c>NO_COLOR</c> (set and not empty) turns colour and
/// styling off, and <c>COLUMNS</c> sets the width tables are fitted to on a terminal.
/// </remarks>
public sealed class CliContext
{
    /// <summary>The width the console is given when standard output is not a terminal: wide enough that nothing wraps.</summary>
    public const int UnwrappedWidth = 16_384;

    /// <summary>Creates a context. Without <paramref name="terminal"/>, standard output and standard error are taken to be pipes.</summary>
    public CliContext(IAnsiConsole console, TextWriter output, TextWriter error, TimeProvider clock, IReadOnlyDictionary<string, string?> environment,
        TerminalInfo? terminal = null, IAnsiConsole? errorConsole = null, TextReader? input = null)
    {
        Console = console;
        Input = input ?? TextReader.Null;
        Output = output;
        Error = error;
        Clock = clock;
        Environment = environment;
        var given = terminal ?? TerminalInfo.Pipes;
        Terminal = int.TryParse(environment.GetValueOrDefault("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0
            ? given with { Width = columns }
            : given;
        ErrorConsole = errorConsole ?? PlainConsole(error);
        if (Terminal.OutputIsTerminal) Console.Profile.Width = Terminal.Width;
        Colour = environment.GetValueOrDefault("NO_COLOR") is not { Length: > 0 };
        if (!Colour) TurnColourOff();
    }

    /// <summary>The console for people (tables, progress). Off a terminal it is unstyled and never wraps.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>
    /// The console <c>--help</c> is written to: <see cref="Console"/> on a terminal; otherwise unstyled and wrapped
    /// between words at <c>COLUMNS</c>, or 100 columns, so that help read through a pager or a file stays readable.
    /// </summary>
    public IAnsiConsole HelpConsole => Terminal.OutputIsTerminal ? Console : helpConsole ??= PlainConsole(Output,
        int.TryParse(Environment.GetValueOrDefault("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0 ? columns : 100);

    private IAnsiConsole? helpConsole;

    /// <summary>A console over standard error, for progress; see <see cref="ShowsProgress"/>.</summary>
    public IAnsiConsole ErrorConsole { get; }

    /// <summary>Standard input, where a person answers a question (only asked when <see cref="TerminalInfo.InputIsTerminal"/>).</summary>
    public TextReader Input { get; }

    /// <summary>Standard output, raw: JSON and plain tables go here.</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error: errors, hints, notes.</summary>
    public TextWriter Error { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Environment variables (<c>VMORPH_DATA_DIR</c>, <c>HOME</c>, <c>XDG_DATA_HOME</c>, <c>NO_COLOR</c>, <c>COLUMNS</c>).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>Whether standard output and standard error are terminals, and the width (<c>COLUMNS</c> wins).</summary>
    public TerminalInfo Terminal { get; }

    /// <summary>Whether colour and styling are on: off with <c>NO_COLOR</c> or once <c>--no-color</c> is applied.</summary>
    public bool Colour { get; private set; }

    /// <summary>The process's real context.</summary>
    public static CliContext FromProcess()
    {
        var environment = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
        var outputIsTerminal = !System.Console.IsOutputRedirected;
        var width = 80;
        if (outputIsTerminal)
        {
            try
            {
                if (System.Console.WindowWidth > 0) width = System.Console.WindowWidth;
            }
            catch (IOException)
            {
                // No window to ask (a terminal that does not answer): keep the usual 80 columns.
            }
        }
        var terminal = new TerminalInfo(outputIsTerminal, !System.Console.IsErrorRedirected, width) { InputIsTerminal = !System.Console.IsInputRedirected };
        return Create(System.Console.Out, System.Console.Error, terminal, TimeProvider.System, environment, input: System.Console.In);
    }

    /// <summary>
    /// A context over two writers, with Spectre consoles over them that behave as <paramref name="terminal"/> says:
    /// on a terminal, styled (as <paramref name="ansi"/> and <paramref name="colours"/> allow) and as wide as the
    /// terminal; otherwise unstyled, not interactive and never wrapped.
    /// </summary>
    public static CliContext Create(TextWriter output, TextWriter error, TerminalInfo terminal, TimeProvider clock, IReadOnlyDictionary<string, string?> environment,
        AnsiSupport ansi = AnsiSupport.Detect, ColorSystemSupport colours = ColorSystemSupport.Detect, TextReader? input = null)
    {
        var spectreEnvironment = environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal);
        IAnsiConsole Make(TextWriter writer, bool isTerminal)
        {
            if (!isTerminal) return PlainConsole(writer);
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(writer),
                Ansi = ansi,
                ColorSystem = colours,
                Interactive = InteractionSupport.Yes,
                EnvironmentVariables = spectreEnvironment,
            });
            console.Profile.Width = terminal.Width;
            return console;
        }
        return new CliContext(Make(output, terminal.OutputIsTerminal), output, error, clock, environment, terminal, Make(error, terminal.ErrorIsTerminal), input);
    }

    /// <summary>
    /// Applies the options every command takes that change how it prints (<c>--no-color</c>). Idempotent;
    /// <see cref="WriteTable"/> applies them too.
    /// </summary>
    public void Apply(GlobalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.NoColor && Colour) TurnColourOff();
    }

    /// <summary>
    /// Writes a table to standard output: a Spectre table fitted to the width on a terminal; otherwise plain,
    /// kubectl-style columns (a header row, then one line per row, columns at least two spaces apart, never wrapped).
    /// <c>--no-headers</c> drops the header and <c>-o wide</c> adds the wide-only columns.
    /// </summary>
    public void WriteTable(TableView table, GlobalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(table);
        Apply(settings);
        if (Terminal.OutputIsTerminal)
        {
            Console.Write(table.ToSpectre(settings.Wide, !settings.NoHeaders));
            return;
        }
        foreach (var line in table.ToPlainLines(settings.Wide, !settings.NoHeaders)) Output.WriteLine(line);
    }

    /// <summary>
    /// Writes a line of Spectre markup for people to standard output: styled on a terminal, plain and unwrapped
    /// otherwise.
    /// </summary>
    public void WriteMarkupLine(string markup)
    {
        if (Terminal.OutputIsTerminal) Console.MarkupLine(markup);
        else Output.WriteLine(markup.RemoveMarkup());
    }

    /// <summary>
    /// Writes a hint or a note for people (what to run next, what was skipped) to standard error, so that standard
    /// output stays the result alone.
    /// </summary>
    public void Hint(string text) => Error.WriteLine(text);

    /// <summary>Whether a command shows a progress bar: text output and standard error a terminal (draw it on <see cref="ErrorConsole"/>).</summary>
    public bool ShowsProgress(GlobalSettings settings) => !settings.Json && Terminal.ErrorIsTerminal;

    private void TurnColourOff()
    {
        Colour = false;
        foreach (var console in new[] { Console, ErrorConsole })
        {
            console.Profile.Capabilities.ColorSystem = ColorSystem.NoColors;
            console.Profile.Capabilities.Ansi = false;
        }
    }

    private static IAnsiConsole PlainConsole(TextWriter writer, int width = UnwrappedWidth)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            EnvironmentVariables = new Dictionary<string, string>(StringComparer.Ordinal),
        });
        console.Profile.Width = width;
        return console;
    }

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
