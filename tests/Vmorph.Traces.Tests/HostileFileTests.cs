using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Vmorph.Sources;

namespace Vmorph.Traces.Tests;

/// <summary>Files a hostile user hands to import: FIFOs, devices, link loops, endless lines, absurd numbers.</summary>
public sealed class HostileFileTests
{
    private const string BitbrainsHeader =
        "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";

    private const string GoodRow = "1000;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n";
    private const string LastRow = "1900;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n";

    private readonly TraceReader reader = new();

    /// <summary>Makes a FIFO with mkfifo(1): .NET has no API for one.</summary>
    internal static string MakeFifo(string path)
    {
        var start = new ProcessStartInfo("mkfifo") { RedirectStandardError = true };
        start.ArgumentList.Add(path);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("mkfifo did not start (it comes with coreutils)");
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "mkfifo failed: " + process.StandardError.ReadToEnd());
        return path;
    }

    /// <summary>Runs <paramref name="read"/> on another thread and fails, rather than hangs, when it takes over 10 s.</summary>
    private static T Promptly<T>(Func<T> read)
    {
        var task = Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(TimeSpan.FromSeconds(10)) || task.IsCompleted, "the read did not return within 10 s: it opened the file and waits");
        return task.GetAwaiter().GetResult();
    }

    private static TraceFormatException Refused(Func<object> read)
    {
        var task = Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            Assert.True(task.Wait(TimeSpan.FromSeconds(10)), "the read did not return within 10 s: it opened the file and waits");
        }
        catch (AggregateException e) when (e.InnerException is TraceFormatException refused)
        {
            return refused;
        }
        throw new Xunit.Sdk.XunitException("the read succeeded; expected it to be refused");
    }

    [Fact]
    public void Read_Fifo_IsRefusedAtOnceWithoutOpeningIt()
    {
        using var temp = new TempTraces();
        var path = MakeFifo(Path.Combine(temp.Root, "14.csv"));

        var error = Refused(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.Equal("not a regular file (a FIFO); vmorph imports regular files only", error.Reason);
        Assert.Equal($"{path}: not a regular file (a FIFO); vmorph imports regular files only", error.Message);
    }

    [Fact]
    public void Read_SymlinkToDevZero_IsRefusedAsACharacterDevice()
    {
        using var temp = new TempTraces();
        var path = Path.Combine(temp.Root, "x.csv");
        File.CreateSymbolicLink(path, "/dev/zero");

        var error = Refused(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal("not a regular file (a character device); vmorph imports regular files only", error.Reason);
    }

    [Fact]
    public void Read_SymlinkLoop_SaysItIsALoop()
    {
        using var temp = new TempTraces();
        var a = Path.Combine(temp.Root, "a.csv");
        var b = Path.Combine(temp.Root, "b.csv");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(a, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal($"{a}: a symbolic link loop", error.Message);
    }

    [Fact]
    public void Expand_SymlinkLoopAndFifo_AreListedForReadToRefuseInTheirTurn()
    {
        using var temp = new TempTraces();
        var good = temp.Gzip("1.csv.gz", BitbrainsHeader + GoodRow);
        var fifo = MakeFifo(Path.Combine(temp.Root, "14.csv"));
        var loop = Path.Combine(temp.Root, "2.csv");
        File.CreateSymbolicLink(loop, loop);

        Assert.Equal([good, loop, fifo], Promptly(() => reader.Expand([temp.Root])));
        Assert.Equal([loop], Promptly(() => reader.Expand([loop])));
    }

    [Fact]
    public void Expand_DirectoryWithoutTraces_FailsSayingWhereItLookedAndForWhat()
    {
        using var temp = new TempTraces();
        temp.Text("README.md", "no traces here");

        var error = Assert.Throws<FileNotFoundException>(() => reader.Expand([temp.Root]));

        Assert.Equal($"no trace files in {temp.Root}: import reads files ending in .gz or .csv (directories are searched recursively)", error.Message);
    }

    [Fact]
    public void Read_CancelledWhileDecompressingALargeStream_StopsPromptly()
    {
        using var temp = new TempTraces();
        var path = Path.Combine(temp.Root, "7.csv.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            // A header, then 1 GiB without a line break: about 0.3 s to inflate and skip on an idle machine.
            gzip.Write(Encoding.UTF8.GetBytes(BitbrainsHeader));
            var digits = new byte[1 << 20];
            digits.AsSpan().Fill((byte)'1');
            for (var i = 0; i < 1024; i++) gzip.Write(digits);
        }
        // Cancelled 10 ms after the start, from a thread of its own, as Ctrl-C's handler does: a timer's callback waits
        // for a pool thread, and with the pool busy it fired only after the read had ended (measured: 0.3 s). A read
        // that honours the token throws, whether it is under way or not yet begun; one that ignores it returns.
        using var cancellation = new CancellationTokenSource();
        var canceller = new Thread(() =>
        {
            Thread.Sleep(10);
            cancellation.Cancel();
        });
        var stopwatch = Stopwatch.StartNew();

        var task = Task.Factory.StartNew(
            () => reader.Read(path, new TraceReadOptions(SkipMalformed: true), cancellation.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        canceller.Start();

        Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)), "the read went on for 20 s after it was cancelled");
        var error = Assert.IsAssignableFrom<OperationCanceledException>(task.Exception?.InnerException);
        Assert.Equal(cancellation.Token, error.CancellationToken);
        // Generous for a loaded CI machine (the read stops within milliseconds of the cancellation when the machine is idle).
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"cancelled after 0.01 s, stopped after {stopwatch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void Read_TwoMegabyteLine_IsAMalformedRowWithFileAndLine()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader + GoodRow + new string('7', 2 << 20) + "\n" + LastRow);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.Equal(3, error.Line);
        Assert.Equal("the line is longer than 1 MiB (1048576 bytes); a trace line is at most a few KB", error.Reason);
    }

    [Fact]
    public void Read_TwoMegabyteLineWithSkipMalformed_IsSkippedAndCounted()
    {
        using var temp = new TempTraces();
        // A row that would be valid but for its length: its last field, 0, is written with two million leading zeros.
        var longRow = "1300;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t" + new string('0', 2 << 20) + "0\n";
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader + GoodRow + longRow + LastRow);

        var file = reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None);

        Assert.Equal(1, file.SkippedRows);
        Assert.Equal(2, file.Rows);
        Assert.Equal(
            [DateTimeOffset.FromUnixTimeSeconds(1000), DateTimeOffset.FromUnixTimeSeconds(1900)],
            Assert.Single(file.Series).Samples.Select(s => s.At));
    }

    [Fact]
    public void Read_LineOfExactlyTheLimit_IsNotCut()
    {
        using var temp = new TempTraces();
        var row = GoodRow.TrimEnd('\n');
        var padded = row[..^1] + new string('0', (1 << 20) - row.Length) + "0\n"; // the last field, 0, written with a million leading zeros
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader + padded + LastRow);

        var file = reader.Read(path, new TraceReadOptions(), CancellationToken.None);

        Assert.Equal(2, file.Rows);
    }

    [Fact]
    public void Read_HeaderLongerThanTheLimit_IsAnErrorOfTheFile()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader.TrimEnd('\n') + new string('x', 2 << 20) + "\n" + GoodRow);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None));

        Assert.Equal(1, error.Line);
        Assert.StartsWith("the header line is longer than 1 MiB", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1300;\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t1e306;\t0;\t0;\t0", "Disk read throughput [KB/s]: '1e306' is out of range (at most 1000000000000 for this column)")]
    [InlineData("1300;\t2;\t1e308;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0", "CPU capacity provisioned [MHZ]: '1e308' is out of range (at most 10000000 for this column)")]
    [InlineData("1300;\t2;\t5000;\t100;\t2;\t4194304.0;\t1e300;\t0;\t0;\t0;\t0", "Memory usage [KB]: '1e300' is out of range (at most 1000000000000 for this column)")]
    [InlineData("1300;\t2;\t5000;\t100;\t5000;\t4194304.0;\t1000;\t0;\t0;\t0;\t0", "CPU usage [%]: '5000' is out of range (at most 1000 for this column)")]
    [InlineData("1300;\t2;\t5e-324;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0", "CPU usage [MHZ]: 100 MHz over CPU capacity provisioned [MHZ] 5E-324 MHz for 2 core(s) is not a number of cores in use")]
    public void Read_NumberOutOfRange_IsAMalformedRow(string row, string reason)
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader + GoodRow + row + "\n" + LastRow);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));
        Assert.Equal(3, error.Line);
        Assert.Equal(reason, error.Reason);
        Assert.Equal($"{path}:3: {reason}", error.Message);

        var skipped = reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None);
        Assert.Equal(1, skipped.SkippedRows);
        Assert.Equal(2, skipped.Rows);
    }

    // Every format checks each numeric column against a range (issue 14): a value out of range, or not finite, is a
    // malformed row naming the file, the line and the column, which --skip-malformed skips and counts. The third
    // row is the bad one in each file; the rows around it are good.
    [Theory]
    [InlineData("microsoft_avg_100.csv.gz", "\"step\",\"11\",\"12\"\n0,1.5,2.5\n1,1e306,2.5\n2,1.5,2.5\n", "11: '1e306' is out of range (at most 1000 for this column)")]
    [InlineData("planetlab_20110325.csv.gz", "vm,t0,t1\na,1,2\nb,1e308,2\nc,1,2\n", "t0: '1e308' is out of range (at most 1000 for this column)")]
    [InlineData("machine_usage.csv.gz", "m_1,10,41,92,,,43.04,33.08,5\nm_1,20,1e300,92,,,43.04,33.08,5\nm_1,30,41,92,,,43.04,33.08,5\n", "cpu_util_percent: '1e300' is out of range (at most 1000 for this column)")]
    [InlineData("machine_meta.csv.gz", "m_1,0,219,17,96,100,USING\nm_1,10,219,17,96,1e306,USING\nm_1,20,219,17,96,100,USING\n", "mem_size: '1e306' is out of range (at most 1000 for this column)")]
    [InlineData("machine_meta.csv.gz", "m_1,0,219,17,96,100,USING\nm_1,10,219,17,2147483647,100,USING\nm_1,20,219,17,96,100,USING\n", "cpu_num: '2147483647' is out of range (at most 100000 cores for this column)")]
    [InlineData("azure_v2.csv.gz", "timestamp,cpu_usage,assigned_mem\n0,6135515.8,2002296.0\n9e14,6126975.2,2002722.0\n600,6126975.2,2002722.0\n", "timestamp: '9e14' is out of range (at most 3162240000 for this column)")]
    [InlineData("google2019.csv.gz", "avg_cpu,avg_mem,avg_assigned_mem,avg_cycles_per_instruction\n0.44,0.33,0.62,148.6\n0.43,0.32,0.61,1e300\n0.44,0.33,0.62,148.6\n", "avg_cycles_per_instruction: '1e300' is out of range (at most 1000000 for this column)")]
    public void Read_NumberOutOfRangeInAnyFormat_IsAMalformedRowSkippedOnRequest(string name, string text, string reason)
    {
        using var temp = new TempTraces();
        var path = temp.Gzip(name, text);
        var hasHeader = !name.StartsWith("machine_", StringComparison.Ordinal);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));
        Assert.Equal($"{path}:{(hasHeader ? 3 : 2)}: {reason}", error.Message);

        var skipped = reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None);
        Assert.Equal(1, skipped.SkippedRows);
        Assert.Equal(2, skipped.Rows);
    }

    // A quote opened and never closed made the CSV reader read every line after it as one field: one "malformed row"
    // that hid the rest of the file. Now it names both lines, and --skip-malformed counts every line it swallowed.
    [Fact]
    public void Read_QuoteNotClosed_IsAMalformedRowCountingEveryLineItSpans()
    {
        using var temp = new TempTraces();
        var rows = string.Concat(Enumerable.Range(0, 10).Select(i => $"{2000 + 300 * i};\t2;\t5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n"));
        var path = temp.Gzip("5.csv.gz", BitbrainsHeader + GoodRow + "1300;\t2;\t\"5000;\t100;\t2;\t4194304.0;\t1000;\t0;\t0;\t0;\t0\n" + rows);

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));
        Assert.Equal($"{path}:3: a quote opened on this line is not closed until line 13, so 11 lines read as one row; a trace field never spans lines", error.Message);

        var skipped = reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None);
        Assert.Equal(11, skipped.SkippedRows);
        Assert.Equal(1, skipped.Rows);
    }

    // Found by the fuzzing harness (102,000-case run): a tar entry header that makes .NET's TarReader overflow.
    [Fact]
    public void Read_TarWithAHeaderFieldOutOfRange_IsRefusedInWords()
    {
        using var temp = new TempTraces();
        var path = temp.Bytes("GCD_VMs.tar.gz", Convert.FromBase64String(CorruptTarGzip));

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None));

        Assert.Equal($"{path}: the tar archive is corrupt (an entry's header holds a size or a field out of range)", error.Message);
    }

    private const string CorruptTarGzip = "H4sICJKmD2sCA2dvb2dsZS0yMDExLWdjZC0xLXVuY2xlYXJyZWplY3QuaW5wdXQA7VU7clsxDHxJqVPoBAx+BIg6mXGVNq0mB0gTJ7m+DJDKmHwaN5nYjR8amVpgsQSs5cPnL5dvXx8//flxUSRTAVa9+PY/AyJUpH9G7D+R0DasDGzERLQBIhhvZ1hpPvy7guvL0O/HX99/ns/bOw3EEjOH58CzFRIXf46TlzjzmoOuJ+RiTXfFzIajbrsVV0VJVuAap6Zueaq89EAJITUAIaAFwKLE0zeeTRQ1EZxTO0KNYSmn7JiAq+WJ6mgPtutSa1cp2KYLZYVY3bdHwV2TKr26yXyrmiNS62Mhlt6lzVytd5wFdymG3AfmuEjxojBuD9M2oJ4IimvrCLeFy0syVRDKv2EkodrMSzH6NpdprgFaO6HF8HJcIqiLFI6GlECVtkiJPcJMDz2LzHflPJZiskjZjnjbeJj8n5irejO/6Nv6P9l2Xf0fke78/3Xinfs/eRHXv2bdf/sIJTYgJ4ZCxOMo4TGebjv/1ju0uldmuclA4oUIDmiDg0EHejsiXhPVmXJApMvLEFnstthTJ+hsdRxkfgcskVbr4rOdmPfEsLw1NrIsEWS8qzeos1lx13on35FSAOBsqTGsjzGKhgnZYt+3qhrjsXTVeygGSS0UdRUIuLxciZju94JQOxS3uYnCTg87UQkpZibNrD5W6Ea7VpVnu5fRCpYXM7Ia+wsI4f1aHPr9/PbP1kyPd+CII4444rXjCREX9BgAEAAA";

    // Found by the fuzzing harness: a header field holding a line break was quoted into the message as it was.
    [Fact]
    public void Read_HeaderFieldWithALineBreak_IsRefusedOnOneLine()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("avg.csv.gz", "\"step\",\"11\",\"1\n2 x\"\n0,1.5,2.5\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("\\n", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateColumn_IsAnErrorOfTheFileNamingTheColumn()
    {
        using var temp = new TempTraces();
        var path = temp.Gzip("avg.csv.gz", "\"step\",\"11\",\"12\",\"11\"\n0,1.5,2.5,3\n");

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None));

        Assert.Equal(1, error.Line);
        Assert.Equal("the header names the column '11' more than once; each column name must be unique", error.Reason);
        Assert.DoesNotContain("System.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GoogleArchiveMemberOfMoreThan64MiB_IsMalformedNotHeldInMemory()
    {
        using var temp = new TempTraces();
        var path = Path.Combine(temp.Root, "GCD_VMs.tar.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "GCD_VMs/vm_1_1") { DataStream = new MemoryStream(new byte[(64 << 20) + 1]) });
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "GCD_VMs/vm_2_1") { DataStream = new MemoryStream("10 20\n"u8.ToArray()) });
        }

        var error = Assert.Throws<TraceFormatException>(() => reader.Read(path, new TraceReadOptions(), CancellationToken.None));
        Assert.Equal("archive member 'GCD_VMs/vm_1_1' is 67108865 bytes, too large for a day of samples (at most 64 MiB)", error.Reason);

        var skipped = reader.Read(path, new TraceReadOptions(SkipMalformed: true), CancellationToken.None);
        Assert.Equal(1, skipped.SkippedRows);
        Assert.Equal("google2011:vm_2_1", Assert.Single(skipped.Series).Vm.Value);
    }
}
