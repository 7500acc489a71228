using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Vmorph.Sources;

namespace Vmorph.Traces.Tests;

public sealed class Google2011GcdFormatTests
{
    private static readonly DateTimeOffset Day1 = new(2011, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TraceReader reader = new();

    [Fact]
    public void Read_Archive_OneSeriesPerMemberDatedByItsDay()
    {
        // GCD_VMs/vm_6127640366_9, line 1: "11.322000000000001 7.249499999999999"
        var file = reader.Read(SharedTraces.Path("google2011-gcd-vms", "GCD_VMs.tar.gz"), new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("google-2011-gcd", file.Format);
        Assert.Equal(1600, file.Series.Count);
        Assert.Equal(1600 * 288, file.Rows);
        Assert.All(file.Series, s => Assert.Equal(288, s.Samples.Count));
        var vm = file.Series.Single(s => s.Vm.Value == "google2011:vm_6127640366_9");
        Assert.Equal("vm_6127640366_9", vm.Name);
        Assert.Equal(Day1.AddDays(8), vm.Samples[0].At);
        Assert.Equal(0.11322000000000001, vm.Samples[0].CpuUtilisation!.Value.Value, 12);
        Assert.Equal(0.07249499999999999, vm.Samples[0].MemoryUtilisation!.Value.Value, 12);
        Assert.Equal(Day1.AddDays(8).AddSeconds(287 * 300), vm.Samples[^1].At);
        Assert.Equal(0.0844, vm.Samples[^1].CpuUtilisation!.Value.Value, 12);
    }

    [Fact]
    public void Read_MemoryAbove100Percent_ClampedToOneAndCounted()
    {
        // 613 memory values exceed 100 %; the largest, 215.31365140000008, is in vm_2780813677_3 or vm_3769731259_4.
        var file = reader.Read(SharedTraces.Path("google2011-gcd-vms", "GCD_VMs.tar.gz"), new TraceReadOptions(), CancellationToken.None);

        Assert.Contains("google-2011-gcd: 613 memory values above 100 % (up to 215.3 %) were clamped to a utilisation of 1", file.Notes);
        Assert.All(file.Series.SelectMany(s => s.Samples), s => Assert.InRange(s.MemoryUtilisation!.Value.Value, 0, 1));
        Assert.Equal(613, file.Series.SelectMany(s => s.Samples).Count(s => s.MemoryUtilisation!.Value.Value == 1));
    }

    [Fact]
    public void Read_MemberNotNamedLikeAVm_FailsNamingTheMember()
    {
        using var temp = new TempTraces();
        var path = temp.Bytes("gcd.tar.gz", TarGz(("GCD_VMs/vm_1_2", "1 2\n3 4\n"), ("GCD_VMs/notes.txt", "hello\n")));

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Contains("GCD_VMs/notes.txt", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MalformedLineInMember_FailsNamingMemberAndLine()
    {
        using var temp = new TempTraces();
        var path = temp.Bytes("gcd.tar.gz", TarGz(("GCD_VMs/vm_1_2", "1 2\n3 x\n")));

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal("archive member 'GCD_VMs/vm_1_2' line 2: mem %: 'x' is not a number", error.Reason);
    }

    [Fact]
    public void Read_TruncatedArchive_FailsAsTruncated()
    {
        using var temp = new TempTraces();
        var bytes = File.ReadAllBytes(SharedTraces.Path("google2011-gcd-vms", "GCD_VMs.tar.gz"));
        var path = temp.Bytes("GCD_VMs.tar.gz", bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.StartsWith("the gzip data is truncated or corrupt", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ArchiveCutAfterItsLastMember_FailsAsTruncated()
    {
        // Losing the last bytes loses only tar padding and the gzip trailer; the damage must still be noticed.
        using var temp = new TempTraces();
        var bytes = File.ReadAllBytes(SharedTraces.Path("google2011-gcd-vms", "GCD_VMs.tar.gz"));
        var path = temp.Bytes("GCD_VMs.tar.gz", bytes[..^10]);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.StartsWith("the gzip data is truncated or corrupt", error.Reason, StringComparison.Ordinal);
    }

    private static byte[] TarGz(params (string Name, string Text)[] members)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            foreach (var (name, text) in members)
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.ASCII.GetBytes(text)) });
        }
        return output.ToArray();
    }
}
