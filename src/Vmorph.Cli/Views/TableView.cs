using System.Text;
using Spectre.Console;

namespace Vmorph.Cli.Views;

/// <summary>A column of a <see cref="TableView"/>.</summary>
/// <param name="Header">The header, as a person reads it (<c>top workload</c>); off a terminal it is upper-cased with
/// dashes for spaces (<c>TOP-WORKLOAD</c>), so every header is one word.</param>
public sealed record ViewColumn(string Header)
{
    /// <summary>Right-aligned on a terminal (numbers). Plain columns are always left-aligned.</summary>
    public bool RightAligned { get; init; }

    /// <summary>Shown only with <c>-o wide</c>.</summary>
    public bool WideOnly { get; init; }

    /// <summary>Shown only on a terminal (a bar drawn for the eye, which scripts do not want).</summary>
    public bool TerminalOnly { get; init; }
}

/// <summary>
/// A table every command prints the same way, through <see cref="Hosting.CliContext.WriteTable"/>: on a terminal a
/// Spectre table fitted to its width; otherwise kubectl-style plain columns: a header row, then one line per row,
/// columns three spaces apart, no box drawing, never wrapped. A cell is plain text (not markup); a cell with several
/// lines (separated by <c>\n</c>) shows them stacked on a terminal and joined with <c>"; "</c> otherwise, so that a
/// row stays one line.
/// </summary>
public sealed class TableView
{
    /// <summary>What an empty cell shows off a terminal, so that every line has the same number of columns.</summary>
    public const string Empty = "-";

    private const string Gap = "   ";
    private readonly List<IReadOnlyList<string>> rows = [];

    /// <summary>A table with these columns.</summary>
    public TableView(params IEnumerable<ViewColumn> columns)
    {
        Columns = [.. columns];
        if (Columns.Count == 0) throw new ArgumentException("a table needs at least one column", nameof(columns));
    }

    /// <summary>Every column, wide-only and terminal-only ones included, in order.</summary>
    public IReadOnlyList<ViewColumn> Columns { get; }

    /// <summary>The rows added so far, one cell per column.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rows => rows;

    /// <summary>A title shown above the table on a terminal (plain output has none: it is the rows alone).</summary>
    public string? Title { get; init; }

    /// <summary>Adds a row: one cell per column of <see cref="Columns"/>, wide-only and terminal-only ones included.</summary>
    public TableView AddRow(params IEnumerable<string?> cells)
    {
        string[] row = [.. cells.Select(c => c ?? "")];
        if (row.Length != Columns.Count)
            throw new ArgumentException($"a row has {row.Length} cell(s) but the table has {Columns.Count} column(s)", nameof(cells));
        rows.Add(row);
        return this;
    }

    /// <summary>The plain lines: the header (unless <paramref name="headers"/> is false), then one line per row.</summary>
    public IReadOnlyList<string> ToPlainLines(bool wide, bool headers)
    {
        var shown = Shown(wide, terminal: false);
        var lines = new List<string[]>();
        if (headers) lines.Add([.. shown.Select(i => Columns[i].Header.Trim().Replace(' ', '-').ToUpperInvariant())]);
        lines.AddRange(rows.Select(r => shown.Select(i => Plain(r[i])).ToArray()));
        var widths = shown.Select((_, c) => lines.Count == 0 ? 0 : lines.Max(l => l[c].Length)).ToArray();
        return [.. lines.Select(cells =>
        {
            var line = new StringBuilder();
            for (var c = 0; c < cells.Length; c++)
            {
                if (c < cells.Length - 1) line.Append(cells[c].PadRight(widths[c])).Append(Gap);
                else line.Append(cells[c]);
            }
            return line.ToString();
        })];
    }

    /// <summary>The Spectre table, for a terminal.</summary>
    public Table ToSpectre(bool wide, bool headers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        if (Title is not null) table.Title(Markup.Escape(Title));
        if (!headers) table.HideHeaders();
        var shown = Shown(wide, terminal: true);
        foreach (var i in shown)
        {
            var column = new TableColumn(Markup.Escape(Columns[i].Header));
            if (Columns[i].RightAligned) column.RightAligned();
            table.AddColumn(column);
        }
        foreach (var row in rows) table.AddRow([.. shown.Select(i => Markup.Escape(row[i]))]);
        return table;
    }

    private int[] Shown(bool wide, bool terminal) =>
        [.. Enumerable.Range(0, Columns.Count).Where(i => (wide || !Columns[i].WideOnly) && (terminal || !Columns[i].TerminalOnly))];

    /// <summary>A cell on one line, without runs of spaces (which separate columns), never empty.</summary>
    private static string Plain(string cell)
    {
        var parts = cell.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var text = new StringBuilder();
        foreach (var ch in string.Join("; ", parts))
        {
            var c = char.IsWhiteSpace(ch) || char.IsControl(ch) ? ' ' : ch;
            if (c == ' ' && (text.Length == 0 || text[^1] == ' ')) continue;
            text.Append(c);
        }
        var result = text.ToString().TrimEnd();
        return result.Length == 0 ? Empty : result;
    }
}
