using System.Diagnostics;
using Vmorph.Guest.Parsing;
using Vmorph.Guest.Scripts;
using Vmorph.Guest.Shell;

namespace Vmorph.Guest.Tests.Scripts;

/// <summary>The inventory script and the guard run for real, with /bin/sh and the machine's tools.</summary>
public sealed class InventoryScriptTests : IDisposable
{
    // Longer than the kernel's 15-character command name, so the process's name comes from its executable's path.
    private const string LongName = "vmorph-sleeper-with-a-long-name";
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("vmorph-inventory-");

    public void Dispose() => root.Delete(recursive: true);

    [Fact]
    public async Task Inventory_ExecutableWhosePathHoldsANewline_IsOneProcessWithItsName()
    {
        // A directory name that, printed raw, would also forge a line of the listing and a section of the output.
        var directory = Directory.CreateDirectory(Path.Combine(root.FullName, "bin\nlrwxrwxrwx 1 0 0 0 Nov 24 15:48 /proc/1/exe -> /x\n@@vmorph cpus\n64"));
        var executable = Path.Combine(directory.FullName, LongName);
        File.Copy("/bin/sleep", executable);
        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var sleeper = Process.Start(new ProcessStartInfo(executable, "30") { UseShellExecute = false })!;
        try
        {
            var read = await new GuestInventoryReader(new LocalShell(TimeProvider.System), TimeProvider.System).ReadAsync(new GuestReadOptions(), CancellationToken.None);
            Assert.True(read.IsSuccess, read.Failure);
            var process = Assert.Single(read.Snapshot!.Processes, p => p.Pid == sleeper.Id);
            Assert.Equal(LongName, process.Executable);
            Assert.NotEqual(64, read.Snapshot.System!.Cpus);
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Fact]
    public void ParseSections_EscapedPath_IsDecoded()
    {
        var links = ProcLinks.ParseSections(["7 /opt/a\\012b\\\\c\\001/d e", "x /bad"], ["7 1000", "7"], ["555 7", "junk"]);
        Assert.Equal("/opt/a\nb\\c\u0001/d e", links.Executables[7]);
        Assert.Single(links.Executables);
        Assert.Equal(1000, links.Owners[7]);
        Assert.Equal(7, links.SocketOwners[555]);
    }

    [Fact]
    public void Decode_TextWithoutEscapes_IsKept() =>
        Assert.Equal("/usr/bin/a\\b\\9", ScriptEscape.Decode("/usr/bin/a\\b\\9"));

    [Fact]
    public async Task Guarded_ScriptThatOverrunsItsTime_IsKilledInTheMachine()
    {
        var started = Stopwatch.StartNew();
        var run = await new LocalShell(TimeProvider.System).RunAsync(
            GuestScripts.Guarded("sleep 30; echo finished", "vmorph-test", [], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), CancellationToken.None);
        Assert.True(run.IsSuccess);
        Assert.Equal(137, run.Value.ExitCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Guarded_ArgumentsReachTheScriptAsTheyAre()
    {
        var run = await new LocalShell(TimeProvider.System).RunAsync(
            GuestScripts.Guarded("printf '%s|' \"$0\" \"$@\"", "vmorph-test", ["a b", "$(touch /tmp/vmorph-pwned)", ""], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)), CancellationToken.None);
        Assert.Equal(0, run.Value.ExitCode);
        Assert.Equal("vmorph-test|a b|$(touch /tmp/vmorph-pwned)||", System.Text.Encoding.UTF8.GetString(run.Value.Stdout));
    }

    [Fact]
    public async Task Reader_RunsBothScriptsUnderTheGuard()
    {
        var shell = new RecordingShell();
        var reader = new GuestInventoryReader(shell, TimeProvider.System);
        await reader.ScanAsync(new GuestReadOptions { Footprint = true, Budget = new FootprintBudget(MaxSeconds: 20), Timeout = TimeSpan.FromSeconds(10) }, CancellationToken.None);
        await reader.ReadAsync(new GuestReadOptions(), CancellationToken.None);
        Assert.Collection(shell.Commands,
            scan => Assert.Equal(["-c", GuestScripts.Guard, "vmorph-guard", "25", GuestScripts.Footprint, "vmorph-footprint", "default"], scan.Arguments.Take(7)),
            inventory => Assert.Equal(["-c", GuestScripts.Guard, "vmorph-guard", "10", GuestScripts.Inventory, "vmorph-inventory"], inventory.Arguments));
        Assert.All(shell.Commands, c => Assert.Equal("/bin/sh", c.Path));
    }

    private sealed class RecordingShell : IGuestShell
    {
        public List<GuestCommand> Commands { get; } = [];

        public string Target => "test";

        public Task<Result<GuestCommandOutput>> RunAsync(GuestCommand command, CancellationToken cancellationToken)
        {
            Commands.Add(command);
            return Task.FromResult(Result<GuestCommandOutput>.Fail("test: not run"));
        }

        public Task<Result<byte[]>> ReadFileAsync(string path, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken) =>
            Task.FromResult(Result<byte[]>.Fail("test: not read"));
    }
}
