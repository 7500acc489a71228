using Vmorph.Guest.Parsing;

namespace Vmorph.Guest.Tests.Parsing;

public class ProcStatTests
{
    [Fact]
    public void Parse_RealGuestLine_ReadsTimesTerminalAndMemory()
    {
        var line = Sample.Section(Sample.Read("inventory-lab-guest.txt"), "stat").Split('\n').First(l => l.StartsWith("239 (httpd)", StringComparison.Ordinal));
        var stat = ProcStat.Parse(line)!;
        Assert.Equal(239, stat.Pid);
        Assert.Equal("httpd", stat.Comm);
        Assert.Equal('S', stat.State);
        Assert.Equal(1, stat.ParentPid);
        Assert.Equal(0, stat.TtyNumber);
        Assert.Equal(9229, stat.StartTicks);
        Assert.Equal(17, stat.ResidentPages);
        Assert.False(stat.IsKernelThread);
    }

    [Fact]
    public void Parse_CommandNameWithSpacesAndParentheses_TakesUpToTheLastParenthesis()
    {
        var stat = ProcStat.Parse("4242 (my (odd) app) R 1 4242 4242 34819 4242 4194304 0 0 0 0 150 50 0 0 20 0 1 0 5000 1000 256 18446744073709551615 0 0")!;
        Assert.Equal("my (odd) app", stat.Comm);
        Assert.Equal(150, stat.UserTicks);
        Assert.Equal(50, stat.SystemTicks);
        Assert.Equal("pts/3", ProcStat.TerminalName(stat.TtyNumber));
        Assert.True(ProcStat.IsPseudoTerminal(stat.TtyNumber));
    }

    [Fact]
    public void Parse_KernelThreadOfRealGuest_IsKernelThread()
    {
        var stat = ProcStat.Parse("24 (kworker/u8:1-events_unbound) I 2 0 0 0 -1 69238880 0 206 0 0 0 16 9 39 20 0 1 0 136 0 0 18446744073709551615 0 0 0")!;
        Assert.True(stat.IsKernelThread);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("12 (cut short) S 1 2")]
    [InlineData("x (name) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 0")]
    public void Parse_NotAStatLine_IsNull(string line) => Assert.Null(ProcStat.Parse(line));

    [Theory]
    [InlineData(0, null)]
    [InlineData((4 << 8) | 1, "tty1")]
    [InlineData((4 << 8) | 64, "ttyS0")]
    [InlineData((4 << 8) | 65, "ttyS1")]
    [InlineData((136 << 8) | 0, "pts/0")]
    public void TerminalName_DeviceNumbers_AreNamedAsTheKernelDoes(int tty, string? name) => Assert.Equal(name, ProcStat.TerminalName(tty));
}
