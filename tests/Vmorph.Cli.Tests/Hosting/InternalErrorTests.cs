using System.Text;
using Microsoft.Extensions.Time.Testing;
using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Tests.Hosting;

/// <summary>An unexpected exception (a bug): one line for the user, the whole report in a private log file.</summary>
public sealed class InternalErrorTests : IDisposable
{
    private readonly string data = Directory.CreateTempSubdirectory("vmorph-crash-").FullName;

    public void Dispose() => Directory.Delete(data, recursive: true);

    /// <summary>Standard output that breaks: a real path to an exception no command expects.</summary>
    private sealed class BrokenWriter : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw new InvalidOperationException("the output is broken");
    }

    private async Task<(int Exit, string Error)> RunAsync(params string[] args)
    {
        var error = new StringWriter();
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["VMORPH_DATA_DIR"] = data, ["HOME"] = data };
        var context = CliContext.Create(new BrokenWriter(), error, TerminalInfo.Pipes, new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero)), environment);
        var exit = await VmorphApp.RunAsync(args, context, CancellationToken.None);
        return (exit, error.ToString());
    }

    [Fact]
    public async Task UnexpectedException_OneLineAndTheTraceInAPrivateLogFile()
    {
        var (exit, error) = await RunAsync("version", "--output", "json");
        Assert.Equal(1, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("vmorph: internal error: the output is broken (a bug; the details are in ", line, StringComparison.Ordinal);
        Assert.EndsWith("; please report them)", line, StringComparison.Ordinal);
        var log = Assert.Single(Directory.GetFiles(Path.Combine(data, "logs")));
        Assert.Contains(log, line, StringComparison.Ordinal);
        var details = await File.ReadAllTextAsync(log);
        Assert.Contains("command: version", details, StringComparison.Ordinal);
        Assert.Contains($"vmorph {BuildInfo.Current.Version}", details, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: the output is broken", details, StringComparison.Ordinal);
        Assert.Contains(" at ", details, StringComparison.Ordinal);
        Assert.DoesNotContain("--output", details, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(data, "logs")));
        }
    }

    [Fact]
    public async Task UnexpectedException_Verbose_PrintsTheTraceToo()
    {
        var (exit, error) = await RunAsync("--verbose", "version");
        Assert.Equal(1, exit);
        Assert.StartsWith("vmorph: internal error: the output is broken", error, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: the output is broken", error, StringComparison.Ordinal);
        Assert.Contains(" at ", error, StringComparison.Ordinal);
    }
}
