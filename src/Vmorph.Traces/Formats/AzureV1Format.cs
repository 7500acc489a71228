using System.Globalization;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Traces.Reading;
using Vmorph.Units;

namespace Vmorph.Traces.Formats;

/// <summary>
/// Azure Public Dataset V1 as DataCenterSim ships it: a wide CSV, first column <c>step</c>, then one column of CPU %
/// per VM. There are no timestamps and no VM sizes: step k is placed at <see cref="TraceOrigins.AzureV1"/> + 300·k s,
/// and only CPU utilisation is known. Three files share the layout: the average and the maximum per 5 minutes of the
/// same 100 VMs (told apart only by the file name, since their content looks alike), and 78 periodic VMs whose column
/// names are <c>"&lt;id&gt; &lt;period in hours&gt;"</c> (told apart by that content).
/// </summary>
internal sealed class AzureV1Format : ITraceFormat
{
    public const string FormatName = "azure-v1";
    private const string StepColumn = "step";
    private const int TypicalBytesPerValue = 10;
    private const long LatestStep = 1_000_000_000; // far past any trace, well inside DateTimeOffset

    public string Name => FormatName;

    public bool Matches(TraceHead head) =>
        head.FirstLineFields.Count >= 2 && head.FirstLineFields[0].Trim('"') == StepColumn;

    public void Read(TraceReadContext context)
    {
        using var reader = TraceCsv.Open(context, ',', hasHeader: true);
        var columns = reader.Header.ColNames;
        if (columns.Count < 2) throw context.Error(1, "the header has no VM columns after 'step'");
        var periodic = columns.Skip(1).All(name => name.Contains(' ', StringComparison.Ordinal));
        var maximum = !periodic && Path.GetFileName(context.Path).Contains("max", StringComparison.OrdinalIgnoreCase);
        var prefix = periodic ? "azure-periodic:" : maximum ? "azure-max:" : "azure:";

        var vmCount = columns.Count - 1;
        var capacity = context.Source.CapacityFor(TypicalBytesPerValue * vmCount);
        // series[i] is the series of value column i; a column that repeats an earlier VM shares its series and is
        // checked against it (periodic_avg_78 names VM 83972 twice, as '83972 1' and '83972 24', with the same values).
        var series = new SeriesBuilder[vmCount];
        var firstColumnOf = new int[vmCount];
        var byVm = new Dictionary<VmId, int>();
        var repeats = new List<(int Column, int First)>();
        for (var i = 0; i < vmCount; i++)
        {
            var name = columns[i + 1];
            var id = prefix + (periodic ? PeriodicId(context, name, i + 2) : name);
            if (!VmId.IsValid(id, out var why)) throw context.Error(1, $"column {i + 2} ('{name}') gives the VM id '{id}', which is not valid: {why}");
            var vm = new VmId(id);
            if (byVm.TryGetValue(vm, out var first))
            {
                series[i] = series[first];
                firstColumnOf[i] = first;
                repeats.Add((i, first));
                continue;
            }
            byVm.Add(vm, i);
            series[i] = new SeriesBuilder(vm, name, capacity);
            firstColumnOf[i] = i;
        }

        var values = new double[vmCount];
        var origin = TraceOrigins.AzureV1.ToUnixTimeSeconds();
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
            if (!Numbers.TryWhole(row[0], out var k) || k > LatestStep)
            {
                context.Malformed(line, Numbers.WholeProblem(StepColumn, row[0].Span));
                continue;
            }
            // A bad value fails the whole line: a step is kept for every VM or for none.
            var malformed = false;
            for (var i = 0; i < vmCount; i++)
            {
                if (Numbers.TryAtMost(row[i + 1], Numbers.MaxPercent, out values[i])) continue;
                context.Malformed(line, Numbers.Problem(columns[i + 1], row[i + 1].Span, Numbers.MaxPercent));
                malformed = true;
                break;
            }
            if (malformed) continue;
            foreach (var (column, first) in repeats)
            {
                if (values[column] == values[first]) continue;
                context.Malformed(line,
                    $"columns '{columns[first + 1]}' and '{columns[column + 1]}' name the same VM but differ: {values[first].ToString(CultureInfo.InvariantCulture)} and {values[column].ToString(CultureInfo.InvariantCulture)}");
                malformed = true;
                break;
            }
            if (malformed) continue;
            var at = DateTimeOffset.FromUnixTimeSeconds(origin + k * step);
            for (var i = 0; i < vmCount; i++)
                if (firstColumnOf[i] == i) series[i].Add(new MetricSample(at, cpuUtilisation: Fraction.FromPercentClamped(values[i])));
            context.RowRead();
        }

        if (anyRow)
            for (var i = 0; i < vmCount; i++)
                if (firstColumnOf[i] == i) context.Add(series[i].Build());
        foreach (var (column, first) in repeats)
            context.Note($"azure-v1: columns '{columns[first + 1]}' and '{columns[column + 1]}' name the same VM ({series[first].Vm}) and hold the same values on every line; it is read once, named '{columns[first + 1]}'");
        context.Note($"azure-v1: the trace has no timestamps; step k is placed at {TraceOrigins.AzureV1:yyyy-MM-dd'T'HH:mm'Z'} + 300·k s, a synthetic origin");
        context.Note("azure-v1: CPU % only, and no VM size: utilisation without cores, memory or configuration");
        if (maximum)
            context.Note("azure-v1: this file holds the per-5-minute maximum CPU of the same VMs as microsoft_avg_100 (azure:<id>), kept apart as azure-max:<id>; told apart by the file name, since the two files look alike");
        if (periodic)
            context.Note("azure-v1: periodic VMs are named '<id> <period in hours>'; the VM id keeps the id (azure-periodic:<id>), the series name keeps the period");
    }

    /// <summary>The id in a periodic column name <c>"&lt;id&gt; &lt;period in hours&gt;"</c>.</summary>
    private static string PeriodicId(TraceReadContext context, string name, int column)
    {
        var parts = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !parts[1].All(char.IsAsciiDigit))
            throw context.Error(1, $"column {column} ('{name}') is not '<id> <period in hours>' like the other periodic VM columns");
        return parts[0];
    }
}
