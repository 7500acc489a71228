using System.Text;
using Vmorph.Guest.Privacy;
using Vmorph.Guest.Shell;

namespace Vmorph.Guest.Tests.Shell;

public class LocalShellTests
{
    [Fact]
    public async Task Run_ArgumentsReachTheProgramUnchanged_AndTheExitCodeComesBack()
    {
        var shell = new LocalShell(TimeProvider.System);
        var result = await shell.RunAsync(new GuestCommand("/bin/sh", ["-c", "printf '%s' \"$1\"; exit 3", "sh", "a b; $(echo no) `x`"], TimeSpan.FromSeconds(10)), CancellationToken.None);
        Assert.Equal(3, result.Value.ExitCode);
        Assert.Equal("a b; $(echo no) `x`", Encoding.UTF8.GetString(result.Value.Stdout));
    }

    [Fact]
    public async Task Run_TooSlow_IsStoppedAndReported()
    {
        var result = await new LocalShell(TimeProvider.System).RunAsync(new GuestCommand("/bin/sleep", ["30"], TimeSpan.FromMilliseconds(300)), CancellationToken.None);
        Assert.False(result.IsSuccess);
        Assert.Contains("did not finish within 0.3 s", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoSuchProgram_FailsWithAReason()
    {
        var result = await new LocalShell(TimeProvider.System).RunAsync(new GuestCommand("/nonexistent/bin", [], TimeSpan.FromSeconds(5)), CancellationToken.None);
        Assert.False(result.IsSuccess);
        Assert.StartsWith("local: cannot run /nonexistent/bin", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void AnonymisationKey_IsMadeOnceWithMode0600AndReadBack()
    {
        var dir = Directory.CreateTempSubdirectory("vmorph-key-").FullName;
        try
        {
            var first = AnonymisationKeyFile.LoadOrCreate(dir);
            var second = AnonymisationKeyFile.LoadOrCreate(dir);
            Assert.Equal(32, first.Length);
            Assert.Equal(first, second);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, AnonymisationKeyFile.FileName)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
