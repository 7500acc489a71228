using Vmorph.Configuration;
using Vmorph.Traces.Reading;

namespace Vmorph.Traces.Formats;

/// <summary>
/// Alibaba cluster-trace-v2018 <c>machine_meta</c>: no header, 7 fields per line (machine_id, time_stamp,
/// failure_domain_1, failure_domain_2, cpu_num, mem_size, status). It gives capacities, so it yields configurations
/// only: cpu_num as vCPUs. mem_size is normalised to 100, not a size, so memory is left unknown rather than invented.
/// A configuration is observed at a machine's first line and whenever its cpu_num changes.
/// </summary>
internal sealed class AlibabaMetaFormat : ITraceFormat
{
    public const string FormatName = "alibaba-2018-meta";
    private const int FieldCount = 7;

    // Far above any machine (the trace's have 96), far below what a vCPU count can hold.
    private const long MaxCores = 100_000;

    public string Name => FormatName;

    public bool Matches(TraceHead head) =>
        AlibabaFields.LineLooksLike(head, FieldCount)
        && head.FirstLineFields[6].Length > 0
        && head.FirstLineFields[6].All(c => char.IsAsciiLetter(c) || c == '_');

    public void Read(TraceReadContext context)
    {
        using var reader = TraceCsv.Open(context, ',', hasHeader: false);
        var series = new Dictionary<string, SeriesBuilder>(StringComparer.Ordinal);
        var cores = new Dictionary<SeriesBuilder, long>();
        SeriesBuilder? last = null;
        foreach (var row in reader)
        {
            var line = row.LineNumberFrom;
            if (!context.LineRead(line, row.LineNumberToExcl, row.Span)) continue;
            if (row.ColCount != FieldCount)
            {
                context.Malformed(line, $"{row.ColCount} fields, a machine_meta line has {FieldCount} separated by ','");
                continue;
            }
            if (!AlibabaFields.TryTimeStamp(context, line, row[1], out var seconds)) continue;
            if (!Numbers.TryWhole(row[4], out var cpuCount) || cpuCount is 0 or > MaxCores)
            {
                context.Malformed(line, cpuCount == 0 ? "cpu_num: '0' cores is not a machine"
                    : cpuCount > MaxCores ? $"cpu_num: '{cpuCount}' is out of range (at most {MaxCores} cores for this column)"
                    : Numbers.WholeProblem("cpu_num", row[4].Span));
                continue;
            }
            if (!Numbers.TryAtMost(row[5], Numbers.MaxPercent, out _))
            {
                context.Malformed(line, Numbers.Problem("mem_size", row[5].Span, Numbers.MaxPercent));
                continue;
            }
            var status = row[6].Span.Trim();
            if (status.IsEmpty)
            {
                context.Malformed(line, "status: the field is empty, expected USING or another status word");
                continue;
            }
            var builder = AlibabaFields.SeriesOf(context, line, row[0].Span, series, ref last, capacity: 0);
            if (builder is null) continue;
            context.RowRead();
            var known = cores.TryGetValue(builder, out var previous);
            if (known && previous == cpuCount) continue;
            cores[builder] = cpuCount;
            var cause = known
                ? $"trace row {line}: cores {previous} -> {cpuCount} (status {status})"
                : $"trace: first configuration (status {status})";
            builder.AddConfiguration(AlibabaFields.At(seconds), new VmConfiguration { Vcpus = (int)cpuCount }, cause);
        }

        foreach (var builder in series.Values) context.Add(builder.Build());
        context.Note("alibaba-2018-meta: mem_size is normalised to 100, not a size, so memory is left unknown; cpu_num is kept as vCPUs");
        context.Note($"alibaba-2018-meta: time_stamp counts seconds from the trace's start, placed at {TraceOrigins.Alibaba2018:yyyy-MM-dd'T'HH:mm'Z'}, a synthetic origin");
    }
}
