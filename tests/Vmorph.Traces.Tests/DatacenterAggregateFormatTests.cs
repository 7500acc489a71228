using Vmorph.Sources;

namespace Vmorph.Traces.Tests;

public sealed class DatacenterAggregateFormatTests
{
    private readonly TraceReader reader = new();

    [Fact]
    public void Read_Alibaba2018Aggregate_PercentagesAsUtilisation()
    {
        // 16.126976521322472,87.13895543842837,34.88905126976521,27.657513176808816,4.08672735984667
        var file = Read("alibaba2018_machine_usage_days_1_to_8_grouped_300_seconds.csv.gz");

        var series = Assert.Single(file.Series);
        Assert.Equal("aggregate:alibaba-2018", series.Vm.Value);
        Assert.Equal(2243, series.Samples.Count);
        Assert.Equal(0.16126976521322472, series.Samples[0].CpuUtilisation!.Value.Value, 12);
        Assert.Equal(0.8713895543842837, series.Samples[0].MemoryUtilisation!.Value.Value, 12);
        Assert.Equal(new DateTimeOffset(2018, 1, 1, 0, 5, 0, TimeSpan.Zero), series.Samples[1].At);
    }

    [Fact]
    public void Read_AzureV2Aggregate_CpuUsageAsCoresAtItsTimestamps()
    {
        // 0,6135515.87712279,2002296.0   then   300,6126975.265552814,...
        var file = Read("azure_v2_vm_cpu_readings_month_aggregated_cpu_mem.csv.gz");

        var series = Assert.Single(file.Series);
        Assert.Equal("aggregate:azure-v2", series.Vm.Value);
        // The README says 8,639 rows, but the last line has no newline: timestamps 0..2591700 are 8,640 steps.
        Assert.Equal(8640, series.Samples.Count);
        Assert.Equal(6135515.87712279, series.Samples[0].Cpu!.Value.Value, 6);
        Assert.Null(series.Samples[0].CpuUtilisation);
        Assert.Equal(new DateTimeOffset(2019, 1, 1, 0, 0, 0, TimeSpan.Zero), series.Samples[0].At);
        Assert.Equal(new DateTimeOffset(2019, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(2591700), series.Samples[^1].At);
    }

    [Fact]
    public void Read_Google2019Aggregate_FractionsAsUtilisation()
    {
        // 0.4416155843647663,0.332384265123427,0.6240159650328806,148.61760667191493
        var file = Read("google2019_instance_usage_grouped_300_seconds_month.csv.gz");

        var series = Assert.Single(file.Series);
        Assert.Equal("aggregate:google-2019", series.Vm.Value);
        Assert.Equal(8064, series.Samples.Count);
        Assert.Equal(0.4416155843647663, series.Samples[0].CpuUtilisation!.Value.Value, 15);
        Assert.Equal(0.332384265123427, series.Samples[0].MemoryUtilisation!.Value.Value, 15);
        Assert.Equal(new DateTimeOffset(2019, 5, 1, 0, 0, 0, TimeSpan.Zero), series.Samples[0].At);
    }

    [Fact]
    public void Read_EveryAggregate_NotesThatItIsNotAVm()
    {
        foreach (var path in reader.Expand([SharedTraces.Path("datacenter-aggregates")]))
        {
            var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);
            Assert.Equal("datacenter-aggregate", file.Format);
            Assert.Contains(file.Notes, note => note.Contains("whole-datacenter", StringComparison.Ordinal) && note.Contains("not one VM", StringComparison.Ordinal));
        }
    }

    private TraceFile Read(string name) =>
        reader.Read(SharedTraces.Path("datacenter-aggregates", name), new TraceReadOptions(), CancellationToken.None);
}
