using Vmorph.Identity;
using Vmorph.Sources;

namespace Vmorph.Traces.Reading;

/// <summary>
/// The state of reading one file: what has been read so far, the series and notes it gave, and the one place that
/// decides what a malformed row does (fail, or skip and count).
/// </summary>
internal sealed class TraceReadContext(TraceSource source, TraceReadOptions options, CancellationToken cancellationToken)
{
    private const int RowsBetweenCancellationChecks = 4096;
    private readonly List<TraceSeries> series = [];
    private readonly List<string> notes = [];
    private BoundedLineStream? lines;

    public TraceSource Source { get; } = source;

    public string Path => Source.Path;

    /// <summary>Data rows read (valid or marked missing; malformed rows that were skipped are not counted).</summary>
    public long Rows { get; private set; }

    /// <summary>Malformed rows skipped.</summary>
    public long SkippedRows { get; private set; }

    /// <summary>The last line read, for the message when the data ends early; null before the first.</summary>
    public long? LastLine { get; private set; }

    public IReadOnlyList<TraceSeries> Series => series;

    public IReadOnlyList<string> Notes => notes;

    /// <summary>
    /// Records that a line was read (whatever it held), so that a truncation can say where it happened. False when the
    /// line was longer than <see cref="BoundedLineStream.MaxLineBytes"/>: it is then malformed (see <see cref="Malformed(long?, string)"/>)
    /// and the caller goes on to the next row.
    /// </summary>
    public bool LineRead(long line)
    {
        LastLine = line;
        if (line % RowsBetweenCancellationChecks == 0) cancellationToken.ThrowIfCancellationRequested();
        if (lines is null || !lines.WasCut(line)) return true;
        Malformed(line, $"the line is longer than {BoundedLineStream.MaxLineBytes / (1 << 20)} MiB ({BoundedLineStream.MaxLineBytes} bytes); a trace line is at most a few KB");
        return false;
    }

    /// <summary>The stream the rows come from, so that <see cref="LineRead(long)"/> knows which lines were cut.</summary>
    public void ReadingLines(BoundedLineStream stream) => lines = stream;

    /// <summary>Counts a data row that was read.</summary>
    public void RowRead() => Rows++;

    /// <summary>
    /// A row that cannot be read: fails with the file, the line and the reason, or, with
    /// <see cref="TraceReadOptions.SkipMalformed"/>, counts it and lets the caller go on to the next row.
    /// </summary>
    public void Malformed(long? line, string reason) => Malformed(line, reason, 1);

    private void Malformed(long? line, string reason, long count)
    {
        if (!options.SkipMalformed) throw new TraceFormatException(Path, line, reason);
        SkippedRows += count;
    }

    /// <summary>
    /// Records that a row of the CSV reader was read, from <paramref name="line"/> to before <paramref name="toLineExclusive"/>
    /// (its text <paramref name="rowText"/>).
    /// False when it is malformed: a line over the limit (see <see cref="LineRead(long)"/>), or a row over several lines
    /// (a quote opened and not closed on its line: no trace field spans lines), whose lines all count as skipped.
    /// </summary>
    public bool LineRead(long line, long toLineExclusive, ReadOnlySpan<char> rowText)
    {
        if (toLineExclusive - line <= 1) return LineRead(line);
        // The row's own line breaks say how many lines it took; a quote never closed takes the file's last line break
        // into the row too, which ends a line rather than starting one.
        var count = rowText.TrimEnd("\r\n").Count('\n') + 1;
        LastLine = line + count - 1;
        cancellationToken.ThrowIfCancellationRequested();
        Malformed(line, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"a quote opened on this line is not closed until line {line + count - 1}, so {count} lines read as one row; a trace field never spans lines"), count);
        return false;
    }

    /// <summary>An error in the file as a whole (a header, a name), which no option skips.</summary>
    public TraceFormatException Error(long? line, string reason) => new(Path, line, reason);

    /// <summary>A VM id, or a clear error naming the line where the name came from.</summary>
    public bool TryVmId(string value, long? line, out VmId vm)
    {
        if (VmId.IsValid(value, out var why))
        {
            vm = new VmId(value);
            return true;
        }
        Malformed(line, $"'{value}' cannot be a VM id: {why}");
        vm = default;
        return false;
    }

    public void Add(TraceSeries one) => series.Add(one);

    public void Note(string note)
    {
        if (!notes.Contains(note)) notes.Add(note);
    }

    public void CheckCancellation() => cancellationToken.ThrowIfCancellationRequested();
}
