using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Vmorph.Cli.Tests.Commands;

public sealed class ImportCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private static string Bitbrains(string month, int vm) => Path.Combine(CliHarness.Traces, "bitbrains-rnd", month, $"{vm}.csv.gz");

    private string StoreDigest()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(cli.DataDirectory, "vmorph.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT vm_id || version || hex(profile) FROM vms
            UNION ALL SELECT vm_id || version || content_hash FROM configuration_versions
            UNION ALL SELECT vm_id || hex(samples) FROM raw_windows
            ORDER BY 1
            """;
        using var reader = command.ExecuteReader();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        while (reader.Read()) sha.AppendData(System.Text.Encoding.UTF8.GetBytes(reader.GetString(0)));
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    [Fact]
    public async Task Import_SameFilesTwice_SecondChangesNothing()
    {
        var files = new[] { Bitbrains("2013-7", 1), Bitbrains("2013-8", 1), Bitbrains("2013-7", 2) };
        var first = await cli.RunAsync(["import", .. files, "-o", "json"]);
        Assert.Equal(0, first.Exit);
        var before = StoreDigest();
        var second = await cli.RunAsync(["import", .. files, "-o", "json"]);
        Assert.Equal(0, second.Exit);
        using var summary = JsonDocument.Parse(second.Out);
        Assert.Equal(3, summary.RootElement.GetProperty("filesSkipped").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("rows").GetInt64());
        Assert.Equal(before, StoreDigest());
    }

    [Fact]
    public async Task Import_TwoMonthsOfOneVm_MakeOneProfileWithBothMonths()
    {
        Assert.Equal(0, (await cli.RunAsync("import", Bitbrains("2013-7", 1), Bitbrains("2013-8", 1))).Exit);
        var fleet = await cli.RunAsync("fleet", "-o", "json");
        using var json = JsonDocument.Parse(fleet.Out);
        var vm = json.RootElement.GetProperty("vms").EnumerateArray().Single();
        Assert.Equal("bitbrains:1", vm.GetProperty("id").GetString());
        Assert.True(vm.GetProperty("samples").GetInt64() > 16_000);
    }

    [Fact]
    public async Task Import_MissingPath_FailsNamingIt()
    {
        var result = await cli.RunAsync("import", "/no/such/trace.csv.gz");
        Assert.Equal(1, result.Exit);
        Assert.Contains("/no/such/trace.csv.gz", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_UnknownFormat_FailsNamingFileAndStoresNothing()
    {
        var path = cli.WriteGzip("notes.csv.gz", "hello,world\n1,2\n");
        var result = await cli.RunAsync("import", path);
        Assert.Equal(1, result.Exit);
        Assert.Contains(path, result.Error, StringComparison.Ordinal);
        Assert.Contains("unknown trace format", result.Error, StringComparison.Ordinal);
        Assert.Contains("no VMs", (await cli.RunAsync("fleet")).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_TruncatedGzip_FailsAndKeepsEarlierFilesOnly()
    {
        var good = Bitbrains("2013-7", 3);
        var bytes = await File.ReadAllBytesAsync(Bitbrains("2013-7", 4));
        var truncated = cli.Scratch("4.csv.gz");
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);

        var result = await cli.RunAsync("import", good, truncated);
        Assert.Equal(1, result.Exit);
        Assert.Contains(truncated, result.Error, StringComparison.Ordinal);
        Assert.Contains("truncated or corrupt", result.Error, StringComparison.Ordinal);
        var fleet = await cli.RunAsync("fleet", "-o", "json");
        using var json = JsonDocument.Parse(fleet.Out);
        Assert.Equal(["bitbrains:3"], json.RootElement.GetProperty("vms").EnumerateArray().Select(v => v.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Import_MalformedRow_FailsNamingFileAndLineUnlessSkipped()
    {
        const string header = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";
        const string good = "1372629804;\t2;\t5851.9989;\t87.7;\t1.5;\t8218624.0;\t1034592.8;\t160.8;\t21.7;\t0.2;\t1.4\n";
        var path = cli.WriteGzip("99.csv.gz", header + good + "1372630104;\t2;\t5851.9989;\tlots;\t0.5;\t8218624.0;\t458575.4;\t0.0;\t2.3;\t0.2;\t1.0\n" + good.Replace("1372629804", "1372630404", StringComparison.Ordinal));

        var strict = await cli.RunAsync("import", path);
        Assert.Equal(1, strict.Exit);
        Assert.Contains($"{path}:3:", strict.Error, StringComparison.Ordinal);
        Assert.Contains("no VMs", (await cli.RunAsync("fleet")).Error, StringComparison.Ordinal);

        var lenient = await cli.RunAsync("import", path, "--skip-malformed", "-o", "json");
        Assert.Equal(0, lenient.Exit);
        using var json = JsonDocument.Parse(lenient.Out);
        Assert.Equal(1, json.RootElement.GetProperty("malformedRowsSkipped").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("rows").GetInt64());
    }
}

public sealed class ImportHostileFileTests : IDisposable
{
    private const string Header = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";
    private const string Good = "1372629804;\t2;\t5851.9989;\t87.7;\t1.5;\t8218624.0;\t1034592.8;\t160.8;\t21.7;\t0.2;\t1.4\n";
    private const string Later = "1372630404;\t2;\t5851.9989;\t87.7;\t1.5;\t8218624.0;\t1034592.8;\t160.8;\t21.7;\t0.2;\t1.4\n";
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>Runs vmorph on another thread and fails, rather than hangs, when it takes more than a minute.</summary>
    private async Task<(int Exit, string Out, string Error, string Console)> RunPromptlyAsync(params string[] args) =>
        await Task.Run(() => cli.RunAsync(args)).WaitAsync(TimeSpan.FromSeconds(60));

    private static void MakeFifo(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("mkfifo") { RedirectStandardError = true };
        start.ArgumentList.Add(path);
        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "mkfifo failed: " + process.StandardError.ReadToEnd());
    }

    private async Task<string[]> FleetIdsAsync()
    {
        var fleet = await cli.RunAsync("fleet", "-o", "json");
        if (fleet.Exit != 0) return [];
        using var json = JsonDocument.Parse(fleet.Out);
        return [.. json.RootElement.GetProperty("vms").EnumerateArray().Select(v => v.GetProperty("id").GetString()!)];
    }

    private static void NoDotNetText(string error)
    {
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_DirectoryWithAFifo_RefusesItAtOnceAndKeepsTheFilesBeforeIt()
    {
        var directory = Directory.CreateDirectory(cli.Scratch("traces")).FullName;
        File.Copy(Path.Combine(CliHarness.Traces, "bitbrains-rnd", "2013-7", "1.csv.gz"), Path.Combine(directory, "1.csv.gz"));
        File.Copy(Path.Combine(CliHarness.Traces, "bitbrains-rnd", "2013-7", "2.csv.gz"), Path.Combine(directory, "2.csv.gz"));
        var fifo = Path.Combine(directory, "14.csv");
        MakeFifo(fifo);

        var result = await RunPromptlyAsync("import", directory);

        Assert.Equal(1, result.Exit);
        Assert.Contains($"{fifo}: not a regular file (a FIFO); vmorph imports regular files only", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--skip-malformed", result.Error, StringComparison.Ordinal);
        NoDotNetText(result.Error);
        // Natural order 1, 2, 14: the files before the FIFO are stored, as for any file that fails to read.
        Assert.Equal(["bitbrains:1", "bitbrains:2"], (await FleetIdsAsync()).Order());
    }

    [Fact]
    public async Task Import_SymlinkToDevZero_IsRefused()
    {
        var link = cli.Scratch("x.csv");
        File.CreateSymbolicLink(link, "/dev/zero");

        var result = await RunPromptlyAsync("import", link);

        Assert.Equal(1, result.Exit);
        Assert.Contains($"{link}: not a regular file (a character device); vmorph imports regular files only", result.Error, StringComparison.Ordinal);
        NoDotNetText(result.Error);
    }

    [Fact]
    public async Task Import_SymlinkLoop_SaysItIsALoop()
    {
        var link = cli.Scratch("loop.csv.gz");
        File.CreateSymbolicLink(link, link);

        var result = await RunPromptlyAsync("import", link);

        Assert.Equal(1, result.Exit);
        Assert.Contains($"{link}: a symbolic link loop", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_DirectoryWithoutTraces_FailsSayingWhereAndWhat()
    {
        var directory = Directory.CreateDirectory(cli.Scratch("empty")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "README.md"), "nothing to import");

        var result = await RunPromptlyAsync("import", directory);

        Assert.Equal(1, result.Exit);
        Assert.Contains($"no trace files in {directory}: import reads files ending in .gz or .csv", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("line")]
    [InlineData("1e306")]
    public async Task Import_HostileRow_FailsWithFileAndLineAndIsSkippedWithSkipMalformed(string kind)
    {
        var bad = kind == "line"
            ? "1372630104;\t2;\t5851.9989;\t87.7;\t1.5;\t8218624.0;\t1034592.8;\t160.8;\t21.7;\t0.2;\t" + new string('0', 2 << 20) + "1\n" // valid but for its length
            : "1372630104;\t2;\t5851.9989;\t87.7;\t1.5;\t8218624.0;\t1034592.8;\t1e306;\t21.7;\t0.2;\t1.4\n";
        var path = cli.WriteGzip("99.csv.gz", Header + Good + bad + Later);

        var strict = await RunPromptlyAsync("import", path);
        Assert.Equal(1, strict.Exit);
        Assert.Contains($"{path}:3: " + (kind == "line" ? "the line is longer than 1 MiB" : "Disk read throughput [KB/s]: '1e306' is out of range"), strict.Error, StringComparison.Ordinal);
        Assert.Contains("--skip-malformed", strict.Error, StringComparison.Ordinal);
        NoDotNetText(strict.Error);

        var lenient = await RunPromptlyAsync("import", path, "--skip-malformed", "-o", "json");
        Assert.Equal(0, lenient.Exit);
        using var json = JsonDocument.Parse(lenient.Out);
        Assert.Equal(1, json.RootElement.GetProperty("malformedRowsSkipped").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task Import_DuplicateColumn_FailsForTheWholeFileNamingTheColumn()
    {
        var path = cli.WriteGzip("avg.csv.gz", "\"step\",\"11\",\"12\",\"11\"\n0,1.5,2.5,3\n");

        var result = await RunPromptlyAsync("import", path, "--skip-malformed");

        Assert.Equal(1, result.Exit);
        Assert.Contains($"{path}:1: the header names the column '11' more than once", result.Error, StringComparison.Ordinal);
        NoDotNetText(result.Error);
    }
}
