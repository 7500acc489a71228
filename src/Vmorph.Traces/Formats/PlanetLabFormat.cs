using System.Globalization;
using System.Text.RegularExpressions;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Traces.Reading;
using Vmorph.Units;

namespace Vmorph.Traces.Formats;

/// <summary>
/// PlanetLab CoMon CPU traces as CloudSim ships them, one file per day: header <c>vm,t0,…,t287</c>, one row per VM-day
/// with the VM's name (quoted; some contain spaces) and its CPU % every 5 minutes. The rows carry no date: the file name
/// <c>planetlab_YYYYMMDD</c> does, and is the one place where a name carries data.
/// </summary>
internal sealed partial class PlanetLabFormat : ITraceFormat
{
    public const string FormatName = "planetlab";

    public string Name => FormatName;

    public bool Matches(TraceHead head) =>
        head.FirstLineFields.Count >= 2 && head.FirstLineFields[0] == "vm" && head.FirstLineFields[1] == "t0";

    public void Read(TraceReadContext context)
    {
        var day = DayFromFileName(context);
        using var reader = TraceCsv.Open(context, ',', hasHeader: true);
        var columns = reader.Header.ColNames;
        var steps = columns.Count - 1;
        for (var k = 0; k < steps; k++)
            if (columns[k + 1] != $"t{k}")
                throw context.Error(1, $"column {k + 2} is '{columns[k + 1]}', expected 't{k}': a planetlab header is vm,t0,t1,...");

        var series = new Dictionary<string, SeriesBuilder>(StringComparer.Ordinal);
        var values = new double[steps];
        var origin = day.ToUnixTimeSeconds();
        var step = (long)TraceOrigins.Step.TotalSeconds;
        foreach (var row in reader)
        {
            var line = row.LineNumberFrom;
            if (!context.LineRead(line, row.LineNumberToExcl, row.Span)) continue;
            if (row.ColCount != columns.Count)
            {
                context.Malformed(line, $"{row.ColCount} fields, the header has {columns.Count}");
                continue;
            }
            var malformed = false;
            for (var k = 0; k < steps; k++)
            {
                if (Numbers.TryAtMost(row[k + 1], Numbers.MaxPercent, out values[k])) continue;
                context.Malformed(line, Numbers.Problem(columns[k + 1], row[k + 1].Span, Numbers.MaxPercent));
                malformed = true;
                break;
            }
            if (malformed) continue;
            var name = row[0].ToString();
            if (!series.TryGetValue(name, out var builder))
            {
                if (!context.TryVmId("planetlab:" + name, line, out var vm)) continue;
                builder = new SeriesBuilder(vm, name, steps);
                series.Add(name, builder);
            }
            for (var k = 0; k < steps; k++)
                builder.Add(new MetricSample(DateTimeOffset.FromUnixTimeSeconds(origin + k * step), cpuUtilisation: Fraction.FromPercentClamped(values[k])));
            context.RowRead();
        }

        foreach (var builder in series.Values) context.Add(builder.Build());
        context.Note("planetlab: the day comes from the file name (planetlab_YYYYMMDD); step k is placed at 00:00Z of that day + 300·k s");
        context.Note("planetlab: CPU % only, and no VM size: utilisation without cores, memory or configuration");
    }

    private static DateTimeOffset DayFromFileName(TraceReadContext context)
    {
        var name = Path.GetFileName(context.Path);
        var match = DayPattern().Match(name);
        if (!match.Success
            || !DateTime.TryParseExact(match.Groups[1].Value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var day))
        {
            throw context.Error(null,
                $"a planetlab file's rows carry no date, so its name must: expected 'planetlab_YYYYMMDD' (like planetlab_20110303.csv.gz), got '{name}'");
        }
        return new DateTimeOffset(day, TimeSpan.Zero);
    }

    [GeneratedRegex(@"^planetlab_(\d{8})(?:\D|$)")]
    private static partial Regex DayPattern();
}
