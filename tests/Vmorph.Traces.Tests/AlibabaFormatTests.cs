using Vmorph.Sources;

namespace Vmorph.Traces.Tests;

public sealed class AlibabaFormatTests
{
    private static readonly DateTimeOffset Origin = new(2018, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TraceReader reader = new();

    [Fact]
    public void Read_MachineUsage_OneSeriesPerMachineWithCpuAndMemoryUtilisation()
    {
        // line 1: m_1932,386640,41,92,,,43.04,33.08,5
        var file = reader.Read(SharedTraces.Path("alibaba-v2018-machines", "machine_usage_head100k.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("alibaba-2018", file.Format);
        Assert.Equal(100_002, file.Rows);
        Assert.Equal(16, file.Series.Count);
        var first = file.Series.Single(s => s.Vm.Value == "alibaba:m_1932");
        Assert.Equal("m_1932", first.Name);
        Assert.Equal(3325, first.Samples.Count);
        Assert.Equal(Origin.AddSeconds(386640), first.Samples[0].At);
        Assert.Equal(0.41, first.Samples[0].CpuUtilisation!.Value.Value, 12);
        Assert.Equal(0.92, first.Samples[0].MemoryUtilisation!.Value.Value, 12);
        Assert.Null(first.Samples[0].Cpu);
        Assert.Null(first.Samples[0].DiskRead);
        Assert.Equal(1148, file.Series.Single(s => s.Vm.Value == "alibaba:m_1947").Samples.Count);
        Assert.Contains(file.Notes, note => note.Contains("physical machines", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_InvalidMarksAndEmptyFields_AreAbsentNotZero()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("usage.csv.gz",
            "m_1,10,-1,50,,,1,1,5\n" +
            "m_1,20,101,101,,,1,1,5\n" +
            "m_1,30,,60,,,1,1,5\n" +
            "m_2,30,100.4,0,,,1,1,-1\n");

        var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        var one = file.Series.Single(s => s.Vm.Value == "alibaba:m_1");
        Assert.Equal(2, one.Samples.Count);
        Assert.Equal(1, one.MissingRows); // both values invalid on line 2
        Assert.Null(one.Samples[0].CpuUtilisation);
        Assert.Equal(0.5, one.Samples[0].MemoryUtilisation!.Value.Value, 12);
        Assert.Null(one.Samples[1].CpuUtilisation);
        Assert.Equal(Origin.AddSeconds(30), one.Samples[1].At);
        var two = Assert.Single(file.Series.Single(s => s.Vm.Value == "alibaba:m_2").Samples);
        Assert.Equal(1, two.CpuUtilisation!.Value.Value); // 100.4 % clamped
        Assert.Equal(0, two.MemoryUtilisation!.Value.Value);
        Assert.Equal(4, file.Rows);
        Assert.Contains(file.Notes, note => note.Contains("3 CPU or memory values were -1 or 101", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_NegativeUtilisation_FailsNamingColumnAndLine()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("usage.csv.gz", "m_1,10,5,50,,,1,1,5\nm_1,20,-3,50,,,1,1,5\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(2, error.Line);
        Assert.Equal("cpu_util_percent: '-3' is negative", error.Reason);
    }

    [Fact]
    public void Read_MachineMeta_ConfigurationsOnlyWithCoresAndNoMemory()
    {
        // m_1932,0,91,18,96,100,USING  (and 7 more lines for m_1932, all 96 cores)
        var file = reader.Read(SharedTraces.Path("alibaba-v2018-machines", "machine_meta.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("alibaba-2018-meta", file.Format);
        Assert.Equal(17_592, file.Rows);
        Assert.Equal(4034, file.Series.Count);
        Assert.All(file.Series, s => Assert.Empty(s.Samples));
        var machine = file.Series.Single(s => s.Vm.Value == "alibaba:m_1932");
        var configuration = Assert.Single(machine.Configurations);
        Assert.Equal(96, configuration.Configuration.Vcpus);
        Assert.Null(configuration.Configuration.Memory);
        Assert.Equal(Origin, configuration.When);
        Assert.Equal("trace: first configuration (status USING)", configuration.Cause);
        Assert.Contains(file.Notes, note => note.Contains("mem_size is normalised", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_MachineMetaCoreChange_ObservesASecondConfiguration()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("meta.csv.gz", "m_5,0,1,2,64,100,USING\nm_5,100,1,2,64,100,USING\nm_5,200,1,2,96,100,USING\n");

        var machine = Assert.Single(reader.Read(path, new TraceReadOptions(), CancellationToken.None).Series);

        Assert.Equal(2, machine.Configurations.Count);
        Assert.Equal("trace row 3: cores 64 -> 96 (status USING)", machine.Configurations[1].Cause);
        Assert.Equal(Origin.AddSeconds(200), machine.Configurations[1].When);
    }
}
