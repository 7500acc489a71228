using Vmorph.Sources;

namespace Vmorph.Traces.Tests;

public sealed class TraceReaderErrorTests
{
    private const string BitbrainsHeader =
        "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";

    private const string GoodRow = "1000;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n";

    private readonly TraceReader reader = new();

    [Fact]
    public void Read_UnknownFormat_FailsNamingTheFirstLineAndEveryKnownFormat()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("mystery.csv.gz", "name,age\nada,36\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.Null(error.Line);
        Assert.Equal(
            "unknown trace format: the first line 'name,age' matches none of: bitbrains, azure-v1, planetlab, alibaba-2018, alibaba-2018-meta, google-2011-gcd, datacenter-aggregate",
            error.Reason);
    }

    [Fact]
    public void Read_UnknownFormatWithLongFirstLine_ShowsOnlyItsFirst80Characters()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("long.csv.gz", new string('x', 200) + "\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Contains($"'{new string('x', 80)}'", error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 81), error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GzipCutInHalf_FailsAsTruncatedAfterTheLastLineRead()
    {
        using var temp = new TempTraces();
        var bytes = File.ReadAllBytes(SharedTraces.Path("bitbrains-rnd", "2013-7", "1.csv.gz"));
        var path = temp.Bytes("1.csv.gz", bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.StartsWith("the gzip data is truncated or corrupt (", error.Reason, StringComparison.Ordinal);
        Assert.Contains("unexpected end of stream", error.Reason, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
        Assert.InRange(error.Line!.Value, 1000, 8260); // half the compressed bytes hold a few thousand of the 8260 rows
    }

    [Fact]
    public void Read_GzipWithSkipMalformed_StillFailsWhenTruncated()
    {
        using var temp = new TempTraces();
        var bytes = File.ReadAllBytes(SharedTraces.Path("bitbrains-rnd", "2013-7", "1.csv.gz"));
        var path = temp.Bytes("1.csv.gz", bytes[..(bytes.Length - 100)]);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None));

        Assert.StartsWith("the gzip data is truncated or corrupt", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CorruptGzipData_FailsAsCorrupt()
    {
        using var temp = new TempTraces();
        var bytes = File.ReadAllBytes(SharedTraces.Path("bitbrains-rnd", "2013-7", "1.csv.gz"));
        for (var i = 1000; i < 1100; i++) bytes[i] ^= 0x5a;
        var path = temp.Bytes("1.csv.gz", bytes);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.StartsWith("the gzip data is truncated or corrupt", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NumberThatDoesNotParse_FailsNamingFileLineAndColumn()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader + GoodRow + "1300;\t2;\t5000;\tabc;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.Equal(3, error.Line);
        Assert.Equal("CPU usage [MHZ]: 'abc' is not a number", error.Reason);
        Assert.Equal($"{path}:3: CPU usage [MHZ]: 'abc' is not a number", error.Message);
    }

    [Theory]
    [InlineData("1300;\t2;\t5000;\t100;\t2;\t4194304.0;\t-1000;\t0;\t0;\t0;\t0", "Memory usage [KB]: '-1000' is negative")]
    [InlineData("1300;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\tNaN;\t0;\t0;\t0", "Disk read throughput [KB/s]: 'NaN' is not a finite number")]
    [InlineData("1300;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0", "10 fields, a bitbrains row has 11 separated by ';'")]
    [InlineData("1300;\t2.5;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0", "CPU cores: '2.5' is not a whole number")]
    [InlineData("1300;\t2;\t5000;\t100;\t2;\t4194304.0;\t;\t0;\t0;\t0;\t0", "Memory usage [KB]: the field is empty, expected a number")]
    public void Read_MalformedRow_FailsWithTheReason(string row, string reason)
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader + GoodRow + row + "\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(3, error.Line);
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void Read_MalformedRowsWithSkipMalformed_AreSkippedAndCounted()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader
            + GoodRow
            + "1300;\t2;\t5000;\tabc;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n"
            + "1600;\t2;\t5000\n"
            + "1900;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n");

        var file = reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None);

        Assert.Equal(2, file.SkippedRows);
        Assert.Equal(2, file.Rows);
        Assert.Equal(
            [DateTimeOffset.FromUnixTimeSeconds(1000), DateTimeOffset.FromUnixTimeSeconds(1900)],
            Assert.Single(file.Series).Samples.Select(s => s.At));
    }

    [Fact]
    public void Read_EmptyFile_FailsSayingItIsEmpty()
    {
        using var temp = new TempTraces();
        var path = temp.Bytes("empty.csv.gz", []);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.Contains("empty", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GzipOfNothing_FailsSayingItHoldsNoData()
    {
        using var temp = new TempTraces();
        // What 'gzip -c < /dev/null' writes: a header, an empty deflate block and a trailer recording 0 bytes.
        var path = temp.Bytes("nothing.csv.gz", [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal("the file holds no data: it decompresses to nothing", error.Reason);
    }

    [Fact]
    public void Read_HeaderOnly_GivesNoSeriesAndNoRows()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("9.csv.gz", BitbrainsHeader);

        var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        Assert.Equal("bitbrains", file.Format);
        Assert.Empty(file.Series);
        Assert.Equal(0, file.Rows);
    }

    [Fact]
    public void Read_MissingFile_FileNotFoundNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "vmorph-no-such-trace-" + Guid.NewGuid().ToString("N") + ".csv.gz");

        var error = Assert.Throws<FileNotFoundException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void Read_CancelledToken_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            reader.Read(SharedTraces.Path("bitbrains-rnd", "2013-7", "1.csv.gz"), new TraceReadOptions(), cancellation.Token));
    }

    [Fact]
    public void Read_SameFileTwice_GivesEqualResults()
    {
        var path = SharedTraces.Path("bitbrains-rnd", "2013-7", "2.csv.gz");

        var first = reader.Read(path, new TraceReadOptions(), CancellationToken.None);
        var second = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Equal(first.Series[0].Samples, second.Series[0].Samples);
        Assert.Equal(first.Series[0].Configurations, second.Series[0].Configurations);
    }

    [Fact]
    public void Read_ConcatenatedGzipMembers_ReadsEveryMember()
    {
        using var temp = new TempTraces();
        var one = temp.Gzip("a.gz", BitbrainsHeader + GoodRow);
        var two = temp.Gzip("b.gz", GoodRow.Replace("1000;", "1300;", StringComparison.Ordinal));
        var path = temp.Bytes("5.csv.gz", [.. File.ReadAllBytes(one), .. File.ReadAllBytes(two)]);

        var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        Assert.Equal(2, file.Rows);
        Assert.Equal(2, Assert.Single(file.Series).Samples.Count);
    }

    [Fact]
    public void Read_ConcatenatedGzipWithLastMemberCut_FailsAsTruncated()
    {
        using var temp = new TempTraces();
        var one = File.ReadAllBytes(temp.Gzip("a.gz", BitbrainsHeader + GoodRow));
        var two = File.ReadAllBytes(temp.Gzip("b.gz", string.Concat(Enumerable.Repeat(GoodRow, 200))));
        var path = temp.Bytes("5.csv.gz", [.. one, .. two[..(two.Length - 10)]]);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.StartsWith("the gzip data is truncated or corrupt", error.Reason, StringComparison.Ordinal);
    }
}
