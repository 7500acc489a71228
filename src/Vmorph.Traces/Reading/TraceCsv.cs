using System.Globalization;
using nietras.SeparatedValues;
using Vmorph.Sources;

namespace Vmorph.Traces.Reading;

/// <summary>How every CSV-like trace is opened with Sep.</summary>
internal static class TraceCsv
{
    /// <summary>
    /// A Sep reader over the decompressed content, its lines cut at <see cref="BoundedLineStream.MaxLineBytes"/>. Column
    /// counts are checked by the formats themselves (Sep's own check throws a message without the file), quotes are
    /// removed (Azure and PlanetLab quote their names), numbers are invariant. A header Sep refuses (a column named
    /// twice) or one longer than the line limit is an error of the whole file, naming what is wrong.
    /// </summary>
    public static SepReader Open(TraceReadContext context, char separator, bool hasHeader)
    {
        var lines = context.Source.OpenLines();
        context.ReadingLines(lines);
        SepReader reader;
        try
        {
            reader = Reader(separator, hasHeader).From(lines);
        }
        catch (Exception e) when (e is not (OperationCanceledException or CorruptCompressedDataException or TraceFormatException))
        {
            lines.Dispose();
            if (lines.WasCut(1)) throw HeaderTooLong(context);
            var duplicate = hasHeader ? DuplicateColumn(context, separator) : null;
            throw duplicate is not null
                ? context.Error(1, $"the header names the column '{duplicate}' more than once; each column name must be unique")
                : context.Error(1, $"the header cannot be read: {e.Message}");
        }
        if (hasHeader && lines.WasCut(1))
        {
            reader.Dispose();
            throw HeaderTooLong(context);
        }
        return reader;
    }

    private static SepReaderOptions Reader(char separator, bool hasHeader) =>
        Sep.New(separator)
            .Reader(o => o with
            {
                HasHeader = hasHeader,
                DisableColCountCheck = true,
                Unescape = true,
                CultureInfo = CultureInfo.InvariantCulture,
            });

    private static TraceFormatException HeaderTooLong(TraceReadContext context) =>
        context.Error(1, $"the header line is longer than {BoundedLineStream.MaxLineBytes / (1 << 20)} MiB; a trace header is at most a few KB");

    /// <summary>The first column name the header gives twice, read again as a plain row.</summary>
    private static string? DuplicateColumn(TraceReadContext context, char separator)
    {
        using var reader = Reader(separator, hasHeader: false).From(context.Source.OpenLines());
        if (!reader.MoveNext()) return null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var row = reader.Current;
        for (var i = 0; i < row.ColCount; i++)
        {
            var name = row[i].ToString();
            if (!seen.Add(name)) return name;
        }
        return null;
    }
}
