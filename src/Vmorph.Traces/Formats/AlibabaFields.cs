using nietras.SeparatedValues;
using Vmorph.Traces.Reading;

namespace Vmorph.Traces.Formats;

/// <summary>What the Alibaba 2018 files have in common: the machine id, the time stamp and how their lines are recognised.</summary>
internal static class AlibabaFields
{
    /// <summary>
    /// Whether the first line has <paramref name="fieldCount"/> fields, a machine id first and a whole number of seconds
    /// second (the files have no header, so this shape is what identifies them).
    /// </summary>
    public static bool LineLooksLike(TraceHead head, int fieldCount) =>
        head.FirstLineFields.Count == fieldCount
        && head.FirstLineFields[0].Length > 0
        && char.IsAsciiLetter(head.FirstLineFields[0][0])
        && head.FirstLineFields[1].Length > 0
        && head.FirstLineFields[1].All(char.IsAsciiDigit);

    /// <summary>The VM id of a machine.</summary>
    public static string VmId(ReadOnlySpan<char> machine) => string.Concat("alibaba:", machine);

    /// <summary>The instant of a <c>time_stamp</c>: seconds from the trace's start, placed at <see cref="TraceOrigins.Alibaba2018"/>.</summary>
    public static DateTimeOffset At(long seconds) => DateTimeOffset.FromUnixTimeSeconds(TraceOrigins.Alibaba2018.ToUnixTimeSeconds() + seconds);

    /// <summary>The latest time stamp accepted: far past the 8 days of the trace, well inside <see cref="DateTimeOffset"/>.</summary>
    public const long LatestSeconds = 100L * 365 * 24 * 3600;

    /// <summary>Reads the time stamp or says why it cannot.</summary>
    public static bool TryTimeStamp(TraceReadContext context, long line, SepReader.Col col, out long seconds)
    {
        if (Numbers.TryWhole(col, out seconds) && seconds <= LatestSeconds) return true;
        context.Malformed(line, Numbers.WholeProblem("time_stamp", col.Span));
        return false;
    }

    /// <summary>
    /// Finds the series of the machine named in <paramref name="machine"/>. Rows come grouped by machine, so the last
    /// one is checked first and a string is made only when the machine changes.
    /// </summary>
    public static SeriesBuilder? SeriesOf(
        TraceReadContext context, long line, ReadOnlySpan<char> machine, Dictionary<string, SeriesBuilder> all, ref SeriesBuilder? last, int capacity)
    {
        if (last is not null && machine.SequenceEqual(last.Name)) return last;
        var lookup = all.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(machine, out var found))
        {
            var name = machine.ToString();
            if (!context.TryVmId(VmId(name), line, out var vm)) return null;
            found = new SeriesBuilder(vm, name, capacity);
            all.Add(name, found);
        }
        last = found;
        return found;
    }
}
