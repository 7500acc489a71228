using System.Globalization;
using nietras.SeparatedValues;
using Vmorph.Observations;
using Vmorph.Traces.Reading;
using Vmorph.Units;

namespace Vmorph.Traces.Formats;

/// <summary>
/// Alibaba cluster-trace-v2018 <c>machine_usage</c>: no header, 9 fields per line (machine_id, time_stamp,
/// cpu_util_percent, mem_util_percent, mem_gps, mpki, net_in, net_out, disk_io_percent). Physical machines, not VMs.
/// Only CPU and memory utilisation map onto a sample: mem_gps and MPKI have no metric, net_in/net_out are normalised to
/// [0, 100] rather than bytes, and disk_io_percent is a busy share, not a throughput, so those fields are not read.
/// The trace marks invalid values as -1 or 101; those, and empty fields, are absent.
/// </summary>
internal sealed class AlibabaUsageFormat : ITraceFormat
{
    public const string FormatName = "alibaba-2018";
    private const int FieldCount = 9;
    private const int TypicalLineBytes = 40;
    private const double InvalidLow = -1;
    private const double InvalidHigh = 101;

    public string Name => FormatName;

    public bool Matches(TraceHead head) => AlibabaFields.LineLooksLike(head, FieldCount);

    public void Read(TraceReadContext context)
    {
        using var reader = TraceCsv.Open(context, ',', hasHeader: false);
        var series = new Dictionary<string, SeriesBuilder>(StringComparer.Ordinal);
        SeriesBuilder? last = null;
        // The machine count is unknown until the end; 16 machines share the 100k lines of the file here.
        var capacity = Math.Min(context.Source.CapacityFor(TypicalLineBytes), 8192);
        long invalid = 0;
        foreach (var row in reader)
        {
            var line = row.LineNumberFrom;
            if (!context.LineRead(line, row.LineNumberToExcl, row.Span)) continue;
            if (row.ColCount != FieldCount)
            {
                context.Malformed(line, $"{row.ColCount} fields, a machine_usage line has {FieldCount} separated by ','");
                continue;
            }
            if (!AlibabaFields.TryTimeStamp(context, line, row[1], out var seconds)) continue;
            var cpu = Percent(context, line, "cpu_util_percent", row[2], ref invalid);
            if (cpu.IsMalformed) continue;
            var memory = Percent(context, line, "mem_util_percent", row[3], ref invalid);
            if (memory.IsMalformed) continue;
            var builder = AlibabaFields.SeriesOf(context, line, row[0].Span, series, ref last, capacity);
            if (builder is null) continue;
            context.RowRead();
            if (cpu.Value is null && memory.Value is null)
            {
                builder.CountMissing(AlibabaFields.At(seconds).ToUnixTimeSeconds());
                continue;
            }
            builder.Add(new MetricSample(AlibabaFields.At(seconds), cpuUtilisation: cpu.Value, memoryUtilisation: memory.Value));
        }

        foreach (var builder in series.Values) context.Add(builder.Build());
        context.Note($"alibaba-2018: time_stamp counts seconds from the trace's start, placed at {TraceOrigins.Alibaba2018:yyyy-MM-dd'T'HH:mm'Z'}, a synthetic origin");
        context.Note("alibaba-2018: these are physical machines, not VMs; only CPU and memory utilisation are kept (network is normalised, not bytes; disk is a busy share)");
        if (invalid > 0)
            context.Note(string.Create(CultureInfo.InvariantCulture, $"alibaba-2018: {invalid} CPU or memory values were -1 or 101, the trace's marks for invalid, and are left absent"));
    }

    private readonly record struct Outcome(Fraction? Value, bool IsMalformed)
    {
        public static Outcome Malformed { get; } = new(null, true);
    }

    private static Outcome Percent(TraceReadContext context, long line, string column, SepReader.Col col, ref long invalid)
    {
        var text = col.Span;
        if (text.IsWhiteSpace()) return default;
        if (col.TryParse(out double percent) && double.IsFinite(percent))
        {
            if (percent is InvalidLow or InvalidHigh)
            {
                invalid++;
                return default;
            }
            if (percent is >= 0 and <= Numbers.MaxPercent) return new Outcome(Fraction.FromPercentClamped(percent), false);
        }
        context.Malformed(line, Numbers.Problem(column, text, Numbers.MaxPercent));
        return Outcome.Malformed;
    }
}
