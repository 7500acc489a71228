using System.Globalization;
using System.Runtime.CompilerServices;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Traces.Reading;
using Vmorph.Units;

namespace Vmorph.Traces.Formats;

/// <summary>
/// Bitbrains GWA-T-12: one VM-month per file, a header, fields separated by ";\t". Timestamps are Unix seconds although
/// the header says [ms]. A row with 0 CPU cores is missing data (the rest of such a row is zeros, or, in 10 rows of the
/// Rnd subset, stale memory and network values): it is counted, never turned into a sample.
/// </summary>
internal sealed class BitbrainsFormat : ITraceFormat
{
    public const string FormatName = "bitbrains";
    private const string HeaderStart = "Timestamp [ms];";
    private const int TypicalLineBytes = 110;
    private const long LatestUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z, the last DateTimeOffset second

    private static readonly string[] Columns =
    [
        "Timestamp [ms]", "CPU cores", "CPU capacity provisioned [MHZ]", "CPU usage [MHZ]", "CPU usage [%]",
        "Memory capacity provisioned [KB]", "Memory usage [KB]", "Disk read throughput [KB/s]",
        "Disk write throughput [KB/s]", "Network received throughput [KB/s]", "Network transmitted throughput [KB/s]",
    ];

    private const int FirstMeasurementColumn = 2;

    // The largest value each measurement column may hold, in its own unit: far above any real machine (the largest in
    // the Rnd subset: 22,140 MHz, 107 %, 536 GB, 60 MB/s), far below where converting to bytes or cores overflows.
    private const double MaxMhz = 1e7;
    private const double MaxPercent = 1000; // the format allows a little above 100 (up to about 107 % occurs)
    private const double MaxKb = 1e12; // about 1 PB
    private const double MaxKbPerSecond = 1e12; // about 1e15 B/s
    private static readonly double[] Maxima = [MaxMhz, MaxMhz, MaxPercent, MaxKb, MaxKb, MaxKbPerSecond, MaxKbPerSecond, MaxKbPerSecond, MaxKbPerSecond];

    public string Name => FormatName;

    public bool Matches(TraceHead head) => head.FirstLine.StartsWith(HeaderStart, StringComparison.Ordinal);

    // Fully optimised from the first call: an import reads each file once, so tiered JIT would run most rows unoptimised.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Read(TraceReadContext context)
    {
        var stem = TracePaths.Stem(context.Path);
        var id = "bitbrains:" + stem;
        if (!VmId.IsValid(id, out var why))
            throw context.Error(null, $"the file name gives the VM id '{id}', which is not valid: {why}");
        var series = new SeriesBuilder(new VmId(id), stem, context.Source.CapacityFor(TypicalLineBytes));

        using var reader = TraceCsv.Open(context, ';', hasHeader: true);
        if (reader.Header.ColNames.Count != Columns.Length)
            throw context.Error(1, $"the header has {reader.Header.ColNames.Count} columns separated by ';', a bitbrains file has {Columns.Length}: {string.Join(", ", Columns)}");

        var values = new double[Columns.Length - FirstMeasurementColumn];
        long previousCores = 0;
        var previousProvisionedKb = double.NaN;
        var anyRow = false;
        var clampedCpu = false;
        foreach (var row in reader)
        {
            var line = row.LineNumberFrom;
            if (!context.LineRead(line, row.LineNumberToExcl, row.Span)) continue;
            anyRow = true;
            if (row.ColCount != Columns.Length)
            {
                context.Malformed(line, $"{row.ColCount} fields, a bitbrains row has {Columns.Length} separated by ';'");
                continue;
            }
            if (!Numbers.TryWhole(row[0], out var seconds) || seconds > LatestUnixSeconds)
            {
                context.Malformed(line, Numbers.WholeProblem(Columns[0], row[0].Span));
                continue;
            }
            if (!Numbers.TryWhole(row[1], out var cores) || cores > int.MaxValue)
            {
                context.Malformed(line, Numbers.WholeProblem(Columns[1], row[1].Span));
                continue;
            }
            if (cores == 0)
            {
                series.CountMissing(seconds);
                context.RowRead();
                continue;
            }
            var malformed = false;
            for (var i = FirstMeasurementColumn; i < Columns.Length; i++)
            {
                if (Numbers.TryAtMost(row[i], Maxima[i - FirstMeasurementColumn], out values[i - FirstMeasurementColumn])) continue;
                context.Malformed(line, Numbers.Problem(Columns[i], row[i].Span, Maxima[i - FirstMeasurementColumn]));
                malformed = true;
                break;
            }
            if (malformed) continue;

            var (provisionedMhz, usedMhz, usedPercent, provisionedKb, usedKb) = (values[0], values[1], values[2], values[3], values[4]);
            // Cores in use: used MHz over one core's MHz (provisioned MHz spread evenly over the cores).
            var usedCores = provisionedMhz > 0 ? usedMhz / (provisionedMhz / cores) : 0;
            if (!double.IsFinite(usedCores))
            {
                context.Malformed(line, string.Create(CultureInfo.InvariantCulture,
                    $"{Columns[3]}: {usedMhz} MHz over {Columns[2]} {provisionedMhz} MHz for {cores} core(s) is not a number of cores in use"));
                continue;
            }
            var at = DateTimeOffset.FromUnixTimeSeconds(seconds);
            if (cores != previousCores || !provisionedKb.Equals(previousProvisionedKb))
            {
                series.AddConfiguration(at, Configuration(cores, provisionedKb), ChangeCause(line, previousCores, previousProvisionedKb, cores, provisionedKb));
                previousCores = cores;
                previousProvisionedKb = provisionedKb;
            }
            clampedCpu |= usedPercent > 100;
            series.Add(new MetricSample(
                at,
                cpu: provisionedMhz > 0 ? new CpuCores(usedCores) : null,
                cpuUtilisation: Fraction.FromPercentClamped(usedPercent),
                cpuAllocated: new CpuCores(cores),
                memory: MemorySize.FromKiB(usedKb),
                memoryAllocated: provisionedKb > 0 ? MemorySize.FromKiB(provisionedKb) : null,
                diskRead: ByteRate.FromKiBPerSecond(values[5]),
                diskWrite: ByteRate.FromKiBPerSecond(values[6]),
                networkReceive: ByteRate.FromKiBPerSecond(values[7]),
                networkTransmit: ByteRate.FromKiBPerSecond(values[8])));
            context.RowRead();
        }

        if (anyRow) context.Add(series.Build());
        context.Note("bitbrains: the header says 'Timestamp [ms]' but the values are Unix seconds, and are read as seconds");
        context.Note("bitbrains: rows with 0 CPU cores (all zeros apart from the timestamp) are missing data: counted, no sample made");
        if (clampedCpu)
            context.Note("bitbrains: 'CPU usage [%]' slightly above 100 occurs (up to about 107 %); the utilisation is clamped to 1, the cores in use keep the measured value");
    }

    private static VmConfiguration Configuration(long cores, double provisionedKb) => new()
    {
        Vcpus = (int)cores,
        Memory = provisionedKb > 0 ? MemorySize.FromKiB(provisionedKb) : null,
    };

    private static string ChangeCause(long line, long previousCores, double previousProvisionedKb, long cores, double provisionedKb)
    {
        if (previousCores == 0) return "trace: first configuration";
        var changes = new List<string>(2);
        if (cores != previousCores) changes.Add($"cores {previousCores} -> {cores}");
        if (!provisionedKb.Equals(previousProvisionedKb))
            changes.Add(string.Create(CultureInfo.InvariantCulture, $"memory provisioned {previousProvisionedKb:0.###} KB -> {provisionedKb:0.###} KB"));
        return $"trace row {line}: {string.Join(", ", changes)}";
    }
}
