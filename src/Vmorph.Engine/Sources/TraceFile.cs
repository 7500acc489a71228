using Vmorph.Identity;
using Vmorph.Observations;

namespace Vmorph.Sources;

/// <summary>Everything one trace file says about one VM.</summary>
/// <param name="Vm">The VM's id (<c>bitbrains:17</c>).</param>
/// <param name="Name">The VM's name as the trace gives it.</param>
/// <param name="Samples">Its measurements, oldest first.</param>
/// <param name="Configurations">Its configuration whenever it changed (vCPUs, memory), oldest first; empty where the trace has no capacities.</param>
/// <param name="MissingRows">Rows the trace marks as missing data for this VM (counted, never invented).</param>
public sealed record TraceSeries(
    VmId Vm,
    string Name,
    IReadOnlyList<MetricSample> Samples,
    IReadOnlyList<ConfigurationObservation> Configurations,
    long MissingRows)
{
    /// <summary>When each missing row was (Unix seconds, oldest first) where the trace says; empty when it does not.</summary>
    public IReadOnlyList<long> MissingTimes { get; init; } = [];
}

/// <summary>One trace file, read whole.</summary>
/// <param name="Path">The file as given.</param>
/// <param name="Format">The format detected (<c>bitbrains</c>, <c>azure-v1</c>, <c>planetlab</c>, <c>alibaba-2018</c>, <c>google-2011-gcd</c>, <c>datacenter-aggregate</c>).</param>
/// <param name="Sha256">SHA-256 of the file's bytes as stored (compressed): the same bytes are not read twice (an import
/// is idempotent by content: a VM's samples are keyed by time, see <c>ImportedSpans</c>).</param>
/// <param name="Series">One series per VM in the file.</param>
/// <param name="Rows">Data rows read.</param>
/// <param name="MissingRows">Rows that mark missing data.</param>
/// <param name="SkippedRows">Malformed rows skipped (only with <see cref="TraceReadOptions.SkipMalformed"/>).</param>
/// <param name="Notes">What a reader of the results should know (no real timestamps, synthetic origin, ...).</param>
public sealed record TraceFile(
    string Path,
    string Format,
    string Sha256,
    IReadOnlyList<TraceSeries> Series,
    long Rows,
    long MissingRows,
    long SkippedRows,
    IReadOnlyList<string> Notes);

/// <summary>How to read traces.</summary>
/// <param name="SkipMalformed">Skip and count malformed rows instead of failing on the first one.</param>
public sealed record TraceReadOptions(bool SkipMalformed = false);

/// <summary>A trace file that cannot be read: names the file, the line where known, and the reason.</summary>
public sealed class TraceFormatException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <remarks>
    /// The reason often quotes the file's own text; its control characters (a line break inside a quoted header field,
    /// a NUL) are shown escaped, so the message stays one line.
    /// </remarks>
    public TraceFormatException(string path, long? line, string reason, Exception? inner = null)
        : base(line is null ? $"{path}: {Printable(reason)}" : $"{path}:{line}: {Printable(reason)}", inner)
    {
        Path = path;
        Line = line;
        Reason = Printable(reason);
    }

    private static string Printable(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\u001f') && !text.Contains('\u007f', StringComparison.Ordinal)) return text;
        var shown = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            shown.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' or '\u007f' => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }
        return shown.ToString();
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The 1-based line, where the problem is on one line.</summary>
    public long? Line { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}

/// <summary>Reads trace files of every supported format.</summary>
public interface ITraceReader
{
    /// <summary>
    /// The trace files under the given paths: files as they are, directories searched recursively for <c>.gz</c> and
    /// <c>.csv</c> files (README files and the like are left out), in a stable order. A path that does not exist is a
    /// <see cref="FileNotFoundException"/> naming it.
    /// </summary>
    IReadOnlyList<string> Expand(IEnumerable<string> paths);

    /// <summary>Reads one file whole. Throws <see cref="TraceFormatException"/> for an unknown format, truncated data or a malformed row.</summary>
    TraceFile Read(string path, TraceReadOptions options, CancellationToken cancellationToken);
}
