using Vmorph.Sources;

namespace Vmorph.Traces.Tests;

public sealed class PlanetLabFormatTests
{
    private static readonly DateTimeOffset March3 = new(2011, 3, 3, 0, 0, 0, TimeSpan.Zero);
    private readonly TraceReader reader = new();

    [Fact]
    public void Read_DayFile_OneSeriesPerVmDayDatedByTheFileName()
    {
        // "146-179_surfsnel_dsl_internl_net_colostate_557",24,34,29,...
        var file = reader.Read(SharedTraces.Path("planetlab-cloudsim", "planetlab_20110303.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("planetlab", file.Format);
        Assert.Equal(1052, file.Series.Count);
        Assert.Equal(1052, file.Rows);
        Assert.All(file.Series, s => Assert.Equal(288, s.Samples.Count));
        var first = file.Series.Single(s => s.Name == "146-179_surfsnel_dsl_internl_net_colostate_557");
        Assert.Equal("planetlab:146-179_surfsnel_dsl_internl_net_colostate_557", first.Vm.Value);
        Assert.Equal(March3, first.Samples[0].At);
        Assert.Equal(0.24, first.Samples[0].CpuUtilisation!.Value.Value, 12);
        Assert.Equal(March3.AddMinutes(5), first.Samples[1].At);
        Assert.Equal(0.34, first.Samples[1].CpuUtilisation!.Value.Value, 12);
        Assert.Equal(March3.AddSeconds(287 * 300), first.Samples[^1].At);
        Assert.Null(first.Samples[0].Cpu);
    }

    [Fact]
    public void Read_QuotedNameWithSpace_KeepsTheSpaceInTheVmId()
    {
        // line 16: "aladdin_planetlab_extranet_uni-passau_de_ rnp_dcc_ufjf",62,76,...
        var file = reader.Read(SharedTraces.Path("planetlab-cloudsim", "planetlab_20110303.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        var spaced = file.Series.Single(s => s.Vm.Value == "planetlab:aladdin_planetlab_extranet_uni-passau_de_ rnp_dcc_ufjf");
        Assert.Equal("aladdin_planetlab_extranet_uni-passau_de_ rnp_dcc_ufjf", spaced.Name);
        Assert.Equal(0.62, spaced.Samples[0].CpuUtilisation!.Value.Value, 12);
    }

    [Fact]
    public void Read_AllDays_VmDayCountsMatchTheReadme()
    {
        var files = reader.Expand([SharedTraces.Path("planetlab-cloudsim")]);

        var vmDays = files.Sum(path => reader.Read(path, new TraceReadOptions(), CancellationToken.None).Series.Count);

        Assert.Equal(10, files.Count);
        Assert.Equal(11_746, vmDays);
    }

    [Fact]
    public void Read_FileNameWithoutDay_FailsSayingWhereTheDayMustBe()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("day-three.csv.gz", "vm,t0,t1\n\"a\",1,2\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.Contains("planetlab_YYYYMMDD", error.Reason, StringComparison.Ordinal);
        Assert.Contains("day-three.csv.gz", error.Reason, StringComparison.Ordinal);
    }
}
