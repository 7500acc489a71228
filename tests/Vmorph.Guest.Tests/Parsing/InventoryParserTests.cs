using Vmorph.Guest.Parsing;

namespace Vmorph.Guest.Tests.Parsing;

public class InventoryParserTests
{
    [Fact]
    public void Parse_RealLabGuestWithHttpd_FindsTheServerItsPortAndTheSessions()
    {
        var snapshot = InventoryParser.Parse(Sample.Read("inventory-lab-guest.txt"), Sample.At, "lab-2").Value;
        Assert.Contains(snapshot.Processes, p => p.Executable == "httpd");
        Assert.Contains(snapshot.Processes, p => p.Executable == "qemu-ga");
        Assert.DoesNotContain(snapshot.Processes, p => p.Executable.StartsWith("kworker", StringComparison.Ordinal));
        var listening = Assert.Single(snapshot.Sockets, s => s.Listening);
        Assert.Equal(("tcp", 80, "httpd"), (listening.Protocol, listening.LocalPort, listening.Process));
        Assert.Equal("lab-2", snapshot.System!.Hostname);
        Assert.Equal(1, snapshot.System.Cpus);
        Assert.NotNull(snapshot.System.MemoryTotal);
        // The serial-port shells are sessions of root on ttyS0 and ttyS1.
        Assert.Equal(["ttyS0", "ttyS1"], snapshot.Sessions.Select(s => s.Terminal).Order());
        Assert.All(snapshot.Sessions, s => Assert.Equal("root", s.User));
        Assert.All(snapshot.Sessions, s => Assert.False(s.Remote));
    }

    [Fact]
    public void Parse_AGettyOnTheSerialConsole_IsNobodyAtATerminal_AVimOnAPseudoTerminalIsSomebody()
    {
        var text = Sample.Read("inventory-lab-guest.txt");
        var shell = text.Split('\n').Single(l => l.StartsWith("152 (sh) ", StringComparison.Ordinal));
        // The same stat line as a session leader of its own: agetty on ttyS2 (major 4, minor 66), vim on pts/0 (136, 0).
        string Leader(int pid, string comm, int tty) => $"{pid} ({comm}) S 1 {pid} {pid} {tty} " + string.Join(' ', shell.Split(' ').Skip(7));
        text = text.Replace(shell, string.Join('\n', shell, Leader(900, "agetty", (4 << 8) | 66), Leader(901, "vim", 136 << 8)), StringComparison.Ordinal);

        var snapshot = InventoryParser.Parse(text, Sample.At, "lab-2").Value;

        Assert.False(snapshot.Processes.Single(p => p.Pid == 900).Interactive);
        Assert.True(snapshot.Processes.Single(p => p.Pid == 901).Interactive);
        Assert.True(snapshot.Processes.Single(p => p.Pid == 152).Interactive);
        Assert.Equal(["pts/0", "ttyS0", "ttyS1"], snapshot.Sessions.Select(s => s.Terminal).Order());
        Assert.True(snapshot.Sessions.Single(s => s.Terminal == "pts/0").Remote);
    }

    [Fact]
    public void Parse_RealHost_AttributesSocketsToTheirProcessAndLeavesOutTheScriptItself()
    {
        var text = Sample.Read("inventory-host.txt");
        var snapshot = InventoryParser.Parse(text, Sample.At, "local").Value;
        Assert.Contains(snapshot.Sockets, s => s is { Listening: true, LocalPort: 5432, Protocol: "tcp", Process: "python3" });
        Assert.Contains(snapshot.Sockets, s => s is { Listening: true, LocalPort: 8080, Protocol: "tcp6", Process: "python3" });
        Assert.Contains(snapshot.Sockets, s => s is { Listening: true, LocalPort: 5353, Protocol: "udp" });
        var inbound = snapshot.Sockets.Where(s => !s.Listening && s.LocalPort == 5432).ToList();
        Assert.Equal("127.0.0.1", Assert.Single(inbound).RemoteAddress);
        var self = int.Parse(Sample.Section(text, "self").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.DoesNotContain(snapshot.Processes, p => p.Pid == self);
        var python = snapshot.Processes.Single(p => p.Pid == 12178);
        Assert.Equal("python3", python.Executable);
        Assert.Equal(3665L * 4096, python.ResidentBytes);
        Assert.Equal(0.07, python.CpuSeconds, 6);
        Assert.NotNull(python.StartedAt);
    }

    [Fact]
    public void Parse_NotTheScriptsOutput_FailsNamingTheMachine()
    {
        var result = InventoryParser.Parse("Welcome to the guest!\n", Sample.At, "lab-9");
        Assert.False(result.IsSuccess);
        Assert.Contains("lab-9", result.Errors[0], StringComparison.Ordinal);
        Assert.Contains("header", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CutShort_FailsAndSaysSo()
    {
        var text = Sample.Read("inventory-lab-guest.txt");
        var result = InventoryParser.Parse(text[..(text.Length / 2)], Sample.At, "lab-2");
        Assert.False(result.IsSuccess);
        Assert.Contains("cut short", result.Errors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("httpd", "/bin/busybox", "httpd")]
    [InlineData("clickhouse-serv", "/usr/bin/clickhouse-server", "clickhouse-server")]
    [InlineData("clickhouse-serv", null, "clickhouse-serv")]
    [InlineData("postgres", "/usr/lib/postgresql/15/bin/postgres", "postgres")]
    public void ExecutableName_TruncatedCommandNames_AreCompletedFromTheExecutable(string comm, string? exe, string expected) =>
        Assert.Equal(expected, InventoryParser.ExecutableName(comm, exe));

    [Fact]
    public void ProcLinks_BusyboxAndGnuListings_GiveOwnersExecutablesAndSockets()
    {
        string[] lines =
        [
            "lrwxrwxrwx    1 0        0                0 Nov 24 15:44 /proc/239/exe -> /bin/busybox",
            "lrwxrwxrwx 1 1000 1000 0 2026-11-24 15:44 /proc/77/exe -> /usr/bin/python3.11",
            "lrwxrwxrwx 1 0 0 0 Nov 24 15:19 /proc/2/exe",
            "/proc/239/fd:",
            "total 0",
            "lrwx------    1 0        0               64 Nov 24 15:44 3 -> socket:[10239]",
            "lr-x------    1 0        0               64 Nov 24 15:44 4 -> /etc/passwd",
            "",
            "/proc/77/fd:",
            "lrwx------ 1 1000 1000 64 Nov 24 15:44 5 -> socket:[555]",
        ];
        var links = ProcLinks.Parse(lines);
        Assert.Equal(1000, links.Owners[77]);
        Assert.Equal(0, links.Owners[2]);
        Assert.Equal("/bin/busybox", links.Executables[239]);
        Assert.False(links.Executables.ContainsKey(2));
        Assert.Equal(239, links.SocketOwners[10239]);
        Assert.Equal(77, links.SocketOwners[555]);
        Assert.Equal(2, links.SocketOwners.Count);
    }
}
