namespace Vmorph.Cli.Hosting;

/// <summary>
/// Whether standard output and standard error are terminals, and how wide standard output's is; and whether standard
/// input is one (only then can a command ask for confirmation).
/// </summary>
/// <param name="OutputIsTerminal">Standard output is a terminal (tables are drawn for people); else plain columns.</param>
/// <param name="ErrorIsTerminal">Standard error is a terminal (progress bars are drawn there).</param>
/// <param name="Width">The terminal's width in columns (<c>COLUMNS</c> overrides it).</param>
public sealed record TerminalInfo(bool OutputIsTerminal, bool ErrorIsTerminal, int Width)
{
    /// <summary>Standard input is a terminal: a person can answer a question there.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Both are pipes or files: plain, unwrapped output and no progress.</summary>
    public static TerminalInfo Pipes { get; } = new(false, false, 80);

    /// <summary>Both are a terminal of <paramref name="width"/> columns.</summary>
    public static TerminalInfo Of(int width) => new(true, true, width);
}
