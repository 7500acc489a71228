using System.Formats.Tar;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Traces.Reading;
using Vmorph.Units;

namespace Vmorph.Traces.Formats;

/// <summary>
/// The Google clusterdata-2011 "GCD VMs": a tar.gz of files <c>GCD_VMs/vm_&lt;job&gt;_&lt;day&gt;</c>, each one line per
/// 5-minute step of one day, <c>&lt;cpu %&gt; &lt;mem %&gt;</c> separated by a space. They are Borg jobs summed over their
/// tasks, not VMs. Memory exceeds 100 % at times (up to 215 %): the utilisation is clamped to 1 and the clamping counted.
/// </summary>
internal sealed partial class Google2011GcdFormat : ITraceFormat
{
    public const string FormatName = "google-2011-gcd";
    private const int StepsPerDay = 288;
    private const int LatestDay = 36_500;

    public string Name => FormatName;

    private const int MaxMemberBytes = 64 << 20;

    public bool Matches(TraceHead head) => head.IsTar;

    public void Read(TraceReadContext context)
    {
        var series = new Dictionary<string, SeriesBuilder>(StringComparer.Ordinal);
        var clamps = new ClampCounts();
        var buffer = Array.Empty<byte>();
        using var data = context.Source.Open();
        using var tar = new TarReader(data, leaveOpen: true);
        while (NextEntry(context, tar) is { } entry)
        {
            context.CheckCancellation();
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            var name = Path.GetFileName(entry.Name);
            var match = MemberName().Match(name);
            if (!match.Success || !int.TryParse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture, out var day) || day is < 1 or > LatestDay)
            {
                context.Malformed(null, $"archive member '{entry.Name}' is not named vm_<job>_<day> with a day from 1");
                continue;
            }
            if (entry.Length > MaxMemberBytes)
            {
                // A day of samples is about 10 KB; a member this large is damage (or a bomb), and is never held in memory.
                context.Malformed(null, $"archive member '{entry.Name}' is {entry.Length} bytes, too large for a day of samples (at most {MaxMemberBytes / (1 << 20)} MiB)");
                continue;
            }
            if (!series.TryGetValue(name, out var builder))
            {
                if (!context.TryVmId("google2011:" + name, null, out var vm)) continue;
                builder = new SeriesBuilder(vm, name, StepsPerDay);
                series.Add(name, builder);
            }
            var length = ReadMember(context, entry, ref buffer);
            var dayStart = TraceOrigins.Google2011.AddDays(day - 1).ToUnixTimeSeconds();
            ReadLines(context, entry.Name, buffer.AsSpan(0, length), dayStart, builder, clamps);
        }

        // The archive's end marker comes before the gzip trailer: read on to it, so that a damaged end is noticed too.
        data.CopyTo(Stream.Null);

        foreach (var builder in series.Values) context.Add(builder.Build());
        context.Note($"google-2011-gcd: day d is placed at {TraceOrigins.Google2011:yyyy-MM-dd'T'HH:mm'Z'} + (d-1) days and step k of a day 300·k s later; the trace started in May 2011 but the data carries no date");
        context.Note("google-2011-gcd: these are Borg jobs (task usage summed per 5 minutes), not VMs; CPU and memory % of an unknown capacity, so utilisation only");
        if (clamps.Memory > 0)
            context.Note(string.Create(CultureInfo.InvariantCulture, $"google-2011-gcd: {clamps.Memory} memory values above 100 % (up to {clamps.MaxMemory:0.#} %) were clamped to a utilisation of 1"));
        if (clamps.Cpu > 0)
            context.Note(string.Create(CultureInfo.InvariantCulture, $"google-2011-gcd: {clamps.Cpu} CPU values above 100 % (up to {clamps.MaxCpu:0.#} %) were clamped to a utilisation of 1"));
    }

    private static TarEntry? NextEntry(TraceReadContext context, TarReader tar)
    {
        try
        {
            return tar.GetNextEntry();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw context.Error(null, $"the tar archive is corrupt ({e.Message})");
        }
        catch (Exception e) when (e is OverflowException or ArgumentException)
        {
            // .NET's own words for a header field out of range ("Arithmetic operation resulted in an overflow") say nothing.
            throw context.Error(null, "the tar archive is corrupt (an entry's header holds a size or a field out of range)");
        }
    }

    private static int ReadMember(TraceReadContext context, TarEntry entry, ref byte[] buffer)
    {
        if (entry.DataStream is null || entry.Length == 0) return 0;
        var length = (int)entry.Length;
        if (buffer.Length < length) buffer = new byte[Math.Max(length, buffer.Length * 2)];
        try
        {
            entry.DataStream.ReadExactly(buffer, 0, length);
        }
        catch (EndOfStreamException e)
        {
            throw context.Error(null, $"the tar archive ends inside member '{entry.Name}' ({e.Message})");
        }
        return length;
    }

    private static void ReadLines(TraceReadContext context, string member, ReadOnlySpan<byte> text, long dayStart, SeriesBuilder builder, ClampCounts clamps)
    {
        var step = (long)TraceOrigins.Step.TotalSeconds;
        var lineNumber = 0;
        while (!text.IsEmpty)
        {
            var end = text.IndexOf((byte)'\n');
            var line = end < 0 ? text : text[..end];
            text = end < 0 ? [] : text[(end + 1)..];
            lineNumber++;
            line = line.TrimEnd((byte)'\r');
            if (line.IsEmpty && text.IsEmpty) break; // the newline at the end of the last line
            var space = line.IndexOfAny((byte)' ', (byte)'\t');
            var cpuText = space < 0 ? line : line[..space];
            var memoryText = space < 0 ? [] : line[(space + 1)..].Trim((byte)' ');
            if (space < 0 || memoryText.IndexOfAny((byte)' ', (byte)'\t') >= 0)
            {
                context.Malformed(null, $"archive member '{member}' line {lineNumber}: expected '<cpu %> <mem %>', got '{Shown(line)}'");
                continue;
            }
            if (!Numbers.TryNonNegative(cpuText, out var cpu) || cpu > Numbers.MaxPercent)
            {
                context.Malformed(null, $"archive member '{member}' line {lineNumber}: {Numbers.Problem("cpu %", Encoding.UTF8.GetString(cpuText), Numbers.MaxPercent)}");
                continue;
            }
            if (!Numbers.TryNonNegative(memoryText, out var memory) || memory > Numbers.MaxPercent)
            {
                context.Malformed(null, $"archive member '{member}' line {lineNumber}: {Numbers.Problem("mem %", Encoding.UTF8.GetString(memoryText), Numbers.MaxPercent)}");
                continue;
            }
            clamps.Count(cpu, memory);
            var at = DateTimeOffset.FromUnixTimeSeconds(dayStart + (lineNumber - 1) * step);
            builder.Add(new MetricSample(at, cpuUtilisation: Fraction.FromPercentClamped(cpu), memoryUtilisation: Fraction.FromPercentClamped(memory)));
            context.RowRead();
        }
    }

    private static string Shown(ReadOnlySpan<byte> line) => Encoding.UTF8.GetString(line.Length > 40 ? line[..40] : line);

    [GeneratedRegex(@"^vm_(\d+)_(\d+)$")]
    private static partial Regex MemberName();

    /// <summary>How many percentages were above 100 and clamped, and the largest seen.</summary>
    private sealed class ClampCounts
    {
        public long Cpu { get; private set; }
        public long Memory { get; private set; }
        public double MaxCpu { get; private set; }
        public double MaxMemory { get; private set; }

        public void Count(double cpu, double memory)
        {
            if (cpu > 100) Cpu++;
            if (memory > 100) Memory++;
            MaxCpu = Math.Max(MaxCpu, cpu);
            MaxMemory = Math.Max(MaxMemory, memory);
        }
    }
}
