using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Traces.Reading;
using Vmorph.Units;

namespace Vmorph.Traces.Formats;

/// <summary>
/// Whole-datacenter series at 300 s (DataCenter-Traces-Datasets): Alibaba 2018 and Google 2019 averages over machines
/// or instances, and Azure V2 sums over VMs. Each file is one series under an <c>aggregate:</c> id, recognised by its
/// exact header. They are not VMs: the notes say so.
/// </summary>
internal sealed class DatacenterAggregateFormat : ITraceFormat
{
    public const string FormatName = "datacenter-aggregate";
    private const int TypicalLineBytes = 60;

    private enum Source
    {
        Alibaba2018,
        AzureV2,
        Google2019,
    }

    // The largest value each column may hold, in its own unit: percentages and normalised shares up to
    // Numbers.MaxPercent; Azure's timestamp up to a century of seconds after its origin; its sums of cores and memory
    // over a datacenter (about 6e6) up to 1e12; Google's cycles per instruction (about 150) up to 1e6.
    private const double Century = 100 * 366 * 86400.0;
    private static readonly Dictionary<Source, double[]> Maxima = new()
    {
        [Source.Alibaba2018] = [Numbers.MaxPercent, Numbers.MaxPercent, Numbers.MaxPercent, Numbers.MaxPercent, Numbers.MaxPercent],
        [Source.AzureV2] = [Century, 1e12, 1e12],
        [Source.Google2019] = [Numbers.MaxPercent, Numbers.MaxPercent, Numbers.MaxPercent, 1e6],
    };

    private static readonly Dictionary<string, Source> Headers = new(StringComparer.Ordinal)
    {
        ["cpu_util_percent,mem_util_percent,net_in,net_out,disk_io_percent"] = Source.Alibaba2018,
        ["timestamp,cpu_usage,assigned_mem"] = Source.AzureV2,
        ["avg_cpu,avg_mem,avg_assigned_mem,avg_cycles_per_instruction"] = Source.Google2019,
    };

    public string Name => FormatName;

    public bool Matches(TraceHead head) => Headers.ContainsKey(head.FirstLine);

    public void Read(TraceReadContext context)
    {
        using var reader = TraceCsv.Open(context, ',', hasHeader: true);
        var columns = reader.Header.ColNames;
        var source = Headers[string.Join(',', columns)];
        var (id, origin) = source switch
        {
            Source.Alibaba2018 => ("aggregate:alibaba-2018", TraceOrigins.Alibaba2018),
            Source.AzureV2 => ("aggregate:azure-v2", TraceOrigins.AzureV2),
            _ => ("aggregate:google-2019", TraceOrigins.Google2019),
        };
        var builder = new SeriesBuilder(new VmId(id), id["aggregate:".Length..], context.Source.CapacityFor(TypicalLineBytes));
        var values = new double[columns.Count];
        var maxima = Maxima[source];
        var originSeconds = origin.ToUnixTimeSeconds();
        var step = (long)TraceOrigins.Step.TotalSeconds;
        var anyRow = false;
        foreach (var row in reader)
        {
            var line = row.LineNumberFrom;
            if (!context.LineRead(line, row.LineNumberToExcl, row.Span)) continue;
            anyRow = true;
            if (row.ColCount != columns.Count)
            {
                context.Malformed(line, $"{row.ColCount} fields, the header has {columns.Count}");
                continue;
            }
            var malformed = false;
            for (var i = 0; i < columns.Count; i++)
            {
                if (Numbers.TryAtMost(row[i], maxima[i], out values[i])) continue;
                context.Malformed(line, Numbers.Problem(columns[i], row[i].Span, maxima[i]));
                malformed = true;
                break;
            }
            if (malformed) continue;
            // Files without a timestamp column are one row per step; the step is the line's place, so a skipped line leaves a gap.
            var stepIndex = line - 2;
            var sample = source switch
            {
                Source.Alibaba2018 => new MetricSample(
                    DateTimeOffset.FromUnixTimeSeconds(originSeconds + stepIndex * step),
                    cpuUtilisation: Fraction.FromPercentClamped(values[0]),
                    memoryUtilisation: Fraction.FromPercentClamped(values[1])),
                Source.AzureV2 => new MetricSample(
                    DateTimeOffset.FromUnixTimeSeconds(originSeconds + (long)values[0]),
                    cpu: new CpuCores(values[1])),
                _ => new MetricSample(
                    DateTimeOffset.FromUnixTimeSeconds(originSeconds + stepIndex * step),
                    cpuUtilisation: Fraction.Clamped(values[0]),
                    memoryUtilisation: Fraction.Clamped(values[1])),
            };
            builder.Add(sample);
            context.RowRead();
        }

        if (anyRow) context.Add(builder.Build());
        context.Note("datacenter-aggregate: a whole-datacenter series (an average or a sum over all machines), not one VM: for cluster-level forecasting only");
        context.Note(source switch
        {
            Source.Alibaba2018 => $"datacenter-aggregate alibaba-2018: mean CPU and memory % over machines as utilisation; net_in/net_out (normalised) and disk_io_percent are not kept; no timestamps, step k placed at {origin:yyyy-MM-dd'T'HH:mm'Z'} + 300·k s, a synthetic origin",
            Source.AzureV2 => $"datacenter-aggregate azure-v2: cpu_usage, a sum of cores in use over all VMs, is kept as cpu (cores); assigned_mem, a sum in an undocumented unit, is not kept; timestamp 0 placed at {origin:yyyy-MM-dd'T'HH:mm'Z'}, a synthetic origin",
            _ => $"datacenter-aggregate google-2019: avg_cpu and avg_mem, mean usage over instances in Google's normalised units (shares of the largest machine), are kept as utilisation; avg_assigned_mem and avg_cycles_per_instruction are not kept; no timestamps, step k placed at {origin:yyyy-MM-dd'T'HH:mm'Z'} + 300·k s",
        });
    }
}
