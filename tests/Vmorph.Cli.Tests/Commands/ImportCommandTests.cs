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
