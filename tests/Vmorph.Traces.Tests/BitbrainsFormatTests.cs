using System.Security.Cryptography;
using Vmorph.Observations;
using Vmorph.Sources;

namespace Vmorph.Traces.Tests;

public sealed class BitbrainsFormatTests
{
    private const string Header =
        "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";

    private readonly TraceReader reader = new();

    [Fact]
    public void Read_FirstRowOfVm1July_SampleMatchesRawText()
    {
        // 1372629804;	2;	5851.9989;	87.7799835;	1.5;	8218624.0;	1034592.8;	160.86666666666667;	21.733333333333334;	0.26666666666666666;	1.4666666666666666
        var path = SharedTraces.Path("bitbrains-rnd", "2013-7", "1.csv.gz");

        var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("bitbrains", file.Format);
        var series = Assert.Single(file.Series);
        Assert.Equal("bitbrains:1", series.Vm.Value);
        Assert.Equal("1", series.Name);
        Assert.Equal(8260, file.Rows);
        Assert.Equal(8260, series.Samples.Count);
        Assert.Equal(0, file.MissingRows);
        var first = series.Samples[0];
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1372629804), first.At);
        Assert.Equal(2, first.CpuAllocated!.Value.Value);
        Assert.Equal(87.7799835 / (5851.9989 / 2), first.Cpu!.Value.Value, 12);
        Assert.Equal(0.015, first.CpuUtilisation!.Value.Value, 12);
        Assert.Equal(1034592.8 * 1024, first.Memory!.Value.Bytes, 6);
        Assert.Equal(8218624.0 * 1024, first.MemoryAllocated!.Value.Bytes, 6);
        Assert.Equal(1034592.8 / 8218624.0, first.MemoryUtilisation!.Value.Value, 12);
        Assert.Equal(160.86666666666667 * 1024, first.DiskRead!.Value.BytesPerSecond, 9);
        Assert.Equal(21.733333333333334 * 1024, first.DiskWrite!.Value.BytesPerSecond, 9);
        Assert.Equal(0.26666666666666666 * 1024, first.NetworkReceive!.Value.BytesPerSecond, 9);
        Assert.Equal(1.4666666666666666 * 1024, first.NetworkTransmit!.Value.BytesPerSecond, 9);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1372630104), series.Samples[1].At);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), file.Sha256);
        Assert.Contains(file.Notes, note => note.Contains("Unix seconds", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ProvisionedMemoryChanges_ObservesFirstConfigurationAndEachChange()
    {
        // Lines 297-300 of VM 1 / 2013-7 move the provisioned memory from 8218624 KB to 8388608 KB in four steps.
        var file = reader.Read(SharedTraces.Path("bitbrains-rnd", "2013-7", "1.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        var configurations = Assert.Single(file.Series).Configurations;
        Assert.Equal(5, configurations.Count);
        Assert.Equal("trace: first configuration", configurations[0].Cause);
        Assert.Equal(2, configurations[0].Configuration.Vcpus);
        Assert.Equal(8218624.0 * 1024, configurations[0].Configuration.Memory!.Value.Bytes);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1372629804), configurations[0].When);
        Assert.Equal("trace row 297: memory provisioned 8218624 KB -> 8221491.2 KB", configurations[1].Cause);
        Assert.Equal(8388608.0 * 1024, configurations[4].Configuration.Memory!.Value.Bytes);
        Assert.All(configurations, c => Assert.Equal("bitbrains:1", c.Vm.Value));
    }

    [Fact]
    public void Read_FileWithAllZeroRows_CountsThemMissingAndMakesNoSample()
    {
        // VM 14 / 2013-7: lines 2-9 are all zeros but the timestamp, then 420 valid rows.
        var file = reader.Read(SharedTraces.Path("bitbrains-rnd", "2013-7", "14.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        var series = Assert.Single(file.Series);
        Assert.Equal(428, file.Rows);
        Assert.Equal(8, file.MissingRows);
        Assert.Equal(8, series.MissingRows);
        Assert.Equal(420, series.Samples.Count);
        Assert.All(series.Samples, s => Assert.True(s.CpuAllocated!.Value.Value > 0));
        Assert.Equal("trace: first configuration", series.Configurations[0].Cause);
        Assert.Equal(1, series.Configurations[0].Configuration.Vcpus);
        Assert.Equal(series.Samples[0].At, series.Configurations[0].When);
        Assert.Equal("trace row 12: memory provisioned 2074624 KB -> 2089369.6 KB", series.Configurations[1].Cause);
    }

    [Fact]
    public void Read_AllRndFiles_TotalsMatchTheDatasetReadme()
    {
        var files = reader.Expand([SharedTraces.Path("bitbrains-rnd")]);

        var read = files.Select(path => reader.Read(path, new TraceReadOptions(), CancellationToken.None)).ToList();

        Assert.Equal(160, read.Count);
        Assert.Equal(1_380_033, read.Sum(f => f.Rows));
        // README: about 80,700 rows with every field zero; 10 more have 0 cores but stale memory/network values.
        Assert.Equal(80_699, read.Sum(f => f.MissingRows));
        Assert.Equal(1_380_033 - 80_699, read.Sum(f => f.Series.Sum(s => s.Samples.Count)));
        Assert.Equal(0, read.Sum(f => f.SkippedRows));
        Assert.Equal(80, read.SelectMany(f => f.Series).Select(s => s.Vm).Distinct().Count());
        Assert.All(read.SelectMany(f => f.Series), s => Assert.True(IsOldestFirst(s.Samples), s.Vm.Value));
    }

    [Fact]
    public void Read_SameNumberInAnotherMonth_IsTheSameVm()
    {
        var july = reader.Read(SharedTraces.Path("bitbrains-rnd", "2013-7", "17.csv.gz"), new TraceReadOptions(), CancellationToken.None);
        var august = reader.Read(SharedTraces.Path("bitbrains-rnd", "2013-8", "17.csv.gz"), new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("bitbrains:17", Assert.Single(july.Series).Vm.Value);
        Assert.Equal(july.Series[0].Vm, Assert.Single(august.Series).Vm);
        Assert.True(august.Series[0].Samples[0].At > july.Series[0].Samples[^1].At);
    }

    [Fact]
    public void Read_CoreCountChanges_ObservesConfigurationWithCause()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("7.csv.gz", Header
            + "1000;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n"
            + "1300;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n"
            + "1600;\t4;\t10000;\t100;\t1;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n");

        var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        var series = Assert.Single(file.Series);
        Assert.Equal("bitbrains:7", series.Vm.Value);
        Assert.Equal(2, series.Configurations.Count);
        Assert.Equal("trace row 4: cores 2 -> 4", series.Configurations[1].Cause);
        Assert.Equal(4, series.Configurations[1].Configuration.Vcpus);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1600), series.Configurations[1].When);
        Assert.Equal(0.04, series.Samples[2].Cpu!.Value.Value, 12); // 100 MHz of 2500 MHz per core
    }

    [Fact]
    public void Read_CpuPercentAbove100_ClampsUtilisationKeepsCoresAndNotes()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("33.csv.gz", Header + "1000;\t1;\t2600;\t2683.2;\t103.2;\t1048576.0;\t1000;\t0;\t0;\t0;\t0\n");

        var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        var sample = Assert.Single(Assert.Single(file.Series).Samples);
        Assert.Equal(1, sample.CpuUtilisation!.Value.Value);
        Assert.Equal(2683.2 / 2600, sample.Cpu!.Value.Value, 12);
        Assert.Contains(file.Notes, note => note.Contains("clamped", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_UncompressedCsv_ReadsTheSameAsGzip()
    {
        using var temp = new TempTraces();
        const string text = Header + "1000;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n";
        var plain = reader.Read(temp.Text("plain/3.csv", text), new TraceReadOptions(), CancellationToken.None);
        var gzip = reader.Read(temp.Gzip("gzip/3.csv.gz", text), new TraceReadOptions(), CancellationToken.None);

        Assert.Equal(gzip.Series[0].Vm, plain.Series[0].Vm);
        Assert.Equal(gzip.Series[0].Samples, plain.Series[0].Samples);
    }

    [Fact]
    public void Read_BitbrainsContentUnderAnotherFormatsName_IsRecognisedByContent()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("planetlab_20110303.csv.gz", Header + "1000;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n");

        var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("bitbrains", file.Format);
        Assert.Equal("bitbrains:planetlab_20110303", file.Series[0].Vm.Value);
    }

    private static bool IsOldestFirst(IReadOnlyList<MetricSample> samples) =>
        samples.Zip(samples.Skip(1)).All(pair => pair.First.UnixSeconds <= pair.Second.UnixSeconds);
}
