using System.Text;
using Vmorph.Guest.Scripts;
using Vmorph.Guest.Shell;

namespace Vmorph.Guest.Tests.Scripts;

/// <summary>The footprint script run for real, with /bin/sh and the machine's awk, on a directory with planted files.</summary>
public sealed class FootprintScriptTests : IDisposable
{
    private const string KeyLine = "MIIEowIBAAKCAQEA1vmorphPlantedKeyMaterial";
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("vmorph-footprint-");

    public FootprintScriptTests()
    {
        Plant("keys/deploy-secret-name.pem", $"-----BEGIN RSA PRIVATE KEY-----\n{KeyLine}\n-----END RSA PRIVATE KEY-----\n");
        Plant("billing/customer-cards-2026.txt", "order 17 paid with 4111 1111 1111 1111 on Monday\n");
        Plant("billing/not-a-card.txt", "ticket 4111 1111 1111 1112 and date 20240101120000\n");
        Plant("app/settings.env", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n");
        Plant("app/contacts.md", "write to ops@example.org\n");
        Plant("src/main.c", "int main(void) { return 0; }\n");
        Plant("src/run", "#!/bin/sh\necho hi\n");
        Plant("data/app.sqlite", "SQLite format 3\0rest");
        Plant("logs/app.log.1", "started\n");
    }

    private void Plant(string relative, string content)
    {
        var path = Path.Combine(root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Dispose() => root.Delete(recursive: true);

    private async Task<(string Stdout, GuestRead Read)> ScanAsync(FootprintBudget? budget = null, params string[] paths)
    {
        var shell = new LocalShell(TimeProvider.System);
        var options = new GuestReadOptions { Footprint = true, ScanPaths = paths.Length > 0 ? paths : [root.FullName], Budget = budget ?? new FootprintBudget() };
        string[] arguments = ["-c", GuestScripts.Footprint, "vmorph-footprint", "explicit", .. options.Budget.Arguments(), .. options.ScanPaths!];
        var raw = await shell.RunAsync(new GuestCommand("/bin/sh", arguments, TimeSpan.FromSeconds(30)), CancellationToken.None);
        var read = await new GuestInventoryReader(shell, TimeProvider.System).ReadAsync(options, CancellationToken.None);
        return (Encoding.UTF8.GetString(raw.Value.Stdout) + Encoding.UTF8.GetString(raw.Value.Stderr), read);
    }

    [Fact]
    public async Task Scan_PlantedSecrets_AreCountedByKind()
    {
        var (_, read) = await ScanAsync();
        var scan = read.Snapshot!.Footprint!;
        Assert.Equal(1, scan.Sensitive["private-key"]);
        Assert.Equal(1, scan.Sensitive["card-number"]);
        Assert.Equal(1, scan.Sensitive["cloud-access-key"]);
        Assert.Equal(1, scan.Sensitive["email-address"]);
        Assert.Equal(9, scan.Categories.Values.Sum(c => c.Files));
        Assert.Equal(2, scan.Categories["source-code"].Files);
        Assert.Equal(1, scan.Categories["database"].Files);
        Assert.Equal(1, scan.Categories["log"].Files);
        Assert.Equal(1, scan.Categories["key-material"].Files);
        Assert.Equal(9, scan.AccessRecency["1d"]);
        Assert.False(scan.Truncated);
        Assert.Empty(read.Problems);
    }

    [Fact]
    public async Task Scan_Output_NeverHoldsContentOrFileNames()
    {
        var (output, _) = await ScanAsync();
        foreach (var secret in (string[])["deploy-secret-name", "customer-cards", "4111", "AKIAIOSFODNN7EXAMPLE", "ops@example.org", KeyLine, "billing", root.FullName])
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_PathThatDoesNotExist_IsReportedAndTheOthersScanned()
    {
        var (_, read) = await ScanAsync(null, root.FullName, "/nonexistent/vmorph-test");
        Assert.Contains("local: scan path /nonexistent/vmorph-test does not exist", read.Problems);
        Assert.Equal(9, read.Snapshot!.Footprint!.Categories.Values.Sum(c => c.Files));
    }

    [Fact]
    public async Task Scan_FileBudget_StopsAndSaysSo()
    {
        var (_, read) = await ScanAsync(new FootprintBudget(MaxFiles: 3));
        var scan = read.Snapshot!.Footprint!;
        Assert.True(scan.Truncated);
        Assert.Equal(3, scan.Categories.Values.Sum(c => c.Files));
        Assert.Contains(read.Problems, p => p.Contains("budget of 3 files", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scan_ByteBudget_CountsFilesButSaysWhichWereNotChecked()
    {
        var (_, read) = await ScanAsync(new FootprintBudget(MaxContentBytes: 0));
        var scan = read.Snapshot!.Footprint!;
        Assert.Empty(scan.Sensitive);
        Assert.True(scan.Truncated);
        Assert.Contains(read.Problems, p => p.Contains("not checked for sensitive content", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scan_PathsAreArguments_NeverShellText()
    {
        var marker = Path.Combine(root.FullName, "pwned");
        var (_, read) = await ScanAsync(null, root.FullName, $"/tmp/$(touch {marker})", $"/tmp/`touch {marker}`");
        Assert.False(File.Exists(marker));
        Assert.Equal(2, read.Problems.Count(p => p.Contains("does not exist", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Scan_SparseHugeFileAndOneLongLine_StayWithinTheirTimeAndByteBudgets()
    {
        var big = Directory.CreateDirectory(Path.Combine(root.FullName, "var'log"));
        using (var lastlog = File.Create(Path.Combine(big.FullName, "lastlog"))) lastlog.SetLength(600L << 20);
        using (var line = File.Create(Path.Combine(big.FullName, "one-line.txt")))
        {
            line.Write("contact ops@example.org "u8);
            var x = new byte[1 << 20];
            Array.Fill(x, (byte)'x');
            for (var i = 0; i < 50; i++) line.Write(x);
        }
        var budget = new FootprintBudget(MaxFileBytes: 1 << 20, MaxSeconds: 10);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (output, read) = await ScanAsync(budget, big.FullName);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2 * budget.MaxSeconds), $"two scans took {started.Elapsed}");
        var scan = read.Snapshot!.Footprint!;
        Assert.Equal(2, scan.Categories.Values.Sum(c => c.Files));
        Assert.Equal(1, scan.Sensitive["email-address"]);
        Assert.False(scan.Truncated);
        var contentBytes = long.Parse(output.Split('\n').Single(l => l.StartsWith("content-bytes ", StringComparison.Ordinal))["content-bytes ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(contentBytes, 1, 2 * budget.MaxFileBytes);
    }

    [Fact]
    public async Task LocalInventory_OfThisMachine_FindsThisTestProcess()
    {
        var read = await new GuestInventoryReader(new LocalShell(TimeProvider.System), TimeProvider.System).ReadAsync(new GuestReadOptions(), CancellationToken.None);
        Assert.True(read.IsSuccess, read.Failure);
        Assert.Contains(read.Snapshot!.Processes, p => p.Pid == Environment.ProcessId);
        Assert.Contains(read.Snapshot.Interfaces, i => i.Name == "lo");
        Assert.Null(read.Snapshot.Footprint);
    }
}
