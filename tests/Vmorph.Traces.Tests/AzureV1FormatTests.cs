using Vmorph.Sources;

namespace Vmorph.Traces.Tests;

public sealed class AzureV1FormatTests
{
    private static readonly DateTimeOffset Origin = new(2017, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TraceReader reader = new();

    [Fact]
    public void Read_AverageFile_OneCpuOnlySeriesPerColumnAtSyntheticSteps()
    {
        // "step","1633748",...   then   0,44.459092,...   1,47.934517,...
        var file = reader.Read(SharedTraces.Path("azure-v1-vm-cpu", "microsoft_avg_100.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("azure-v1", file.Format);
        Assert.Equal(100, file.Series.Count);
        Assert.Equal(8004, file.Rows);
        Assert.All(file.Series, s => Assert.Equal(8004, s.Samples.Count));
        Assert.All(file.Series, s => Assert.Empty(s.Configurations));
        var first = file.Series[0];
        Assert.Equal("azure:1633748", first.Vm.Value);
        Assert.Equal("1633748", first.Name);
        Assert.Equal(Origin, first.Samples[0].At);
        Assert.Equal(0.44459092, first.Samples[0].CpuUtilisation!.Value.Value, 12);
        Assert.Null(first.Samples[0].Cpu);
        Assert.Null(first.Samples[0].CpuAllocated);
        Assert.Null(first.Samples[0].Memory);
        Assert.Equal(Origin.AddSeconds(300), first.Samples[1].At);
        Assert.Equal(0.47934517, first.Samples[1].CpuUtilisation!.Value.Value, 12);
        Assert.Equal(Origin.AddSeconds(300 * 8003), first.Samples[^1].At);
        Assert.Equal("azure:223811", file.Series[1].Vm.Value);
        Assert.Contains(file.Notes, note => note.Contains("2017-01-01T00:00Z", StringComparison.Ordinal) && note.Contains("synthetic", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_MaxFile_KeptApartAsAzureMaxOfTheSameVms()
    {
        var file = reader.Read(SharedTraces.Path("azure-v1-vm-cpu", "microsoft_max_100.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        Assert.Equal(100, file.Series.Count);
        Assert.Equal("azure-max:1633748", file.Series[0].Vm.Value);
        Assert.Equal(0.71889037, file.Series[0].Samples[0].CpuUtilisation!.Value.Value, 12);
        Assert.Contains(file.Notes, note => note.Contains("maximum", StringComparison.Ordinal) && note.Contains("same VMs", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_PeriodicFile_IdWithoutPeriodAndNameWithPeriod()
    {
        // "step","1023330 24","1050146 8","1061 1",...   then   0,1.009435,0.272674,5.420994,...
        var file = reader.Read(SharedTraces.Path("azure-v1-vm-cpu", "periodic_avg_78.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        // 78 columns, but VM 83972 has two ('83972 1' and '83972 24') holding the same values: it is read once.
        Assert.Equal(77, file.Series.Count);
        Assert.Equal(8400, file.Rows);
        Assert.Equal("83972 1", Assert.Single(file.Series, s => s.Vm.Value == "azure-periodic:83972").Name);
        Assert.Contains(file.Notes, note => note.Contains("'83972 1' and '83972 24' name the same VM", StringComparison.Ordinal));
        Assert.All(file.Series, s => Assert.Equal(8400, s.Samples.Count));
        Assert.Equal("azure-periodic:1023330", file.Series[0].Vm.Value);
        Assert.Equal("1023330 24", file.Series[0].Name);
        Assert.Equal("azure-periodic:1061", file.Series[2].Vm.Value);
        Assert.Equal("1061 1", file.Series[2].Name);
        Assert.Equal(0.01009435, file.Series[0].Samples[0].CpuUtilisation!.Value.Value, 12);
        Assert.Contains(file.Notes, note => note.Contains("period in hours", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_RepeatedVmColumnsThatDiffer_FailNamingBothColumns()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("periodic.csv.gz", "\"step\",\"7 1\",\"7 24\"\n0,1.5,1.5\n1,2,3\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(3, error.Line);
        Assert.Equal("columns '7 1' and '7 24' name the same VM but differ: 2 and 3", error.Reason);
    }

    [Fact]
    public void Read_MalformedValue_FailsNamingTheVmColumnAndLine()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("avg.csv.gz", "\"step\",\"11\",\"12\"\n0,1.5,2.5\n1,NA,3\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(3, error.Line);
        Assert.Equal("11: 'NA' is not a number", error.Reason);
    }

    [Fact]
    public void Read_MalformedValueWhenSkipping_DropsTheWholeStepAndCountsIt()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("avg.csv.gz", "\"step\",\"11\",\"12\"\n0,1.5,2.5\n1,NA,3\n2,4,5\n");

        var file = reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None);

        Assert.Equal(1, file.SkippedRows);
        Assert.Equal(2, file.Rows);
        Assert.All(file.Series, s => Assert.Equal([Origin, Origin.AddSeconds(600)], s.Samples.Select(x => x.At)));
    }
}
