using System.Diagnostics;
using System.Text.Json;

namespace Vmorph.Cli.Tests;

/// <summary>The front door: the ./vmorph launcher at the repository root, run as a user runs it.</summary>
public sealed class LauncherTests : IDisposable
{
    private readonly string data = Directory.CreateTempSubdirectory("vmorph-launcher-").FullName;

    public void Dispose() => Directory.Delete(data, recursive: true);

    private (int Exit, string Out, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(CliHarness.Root, "vmorph")) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = CliHarness.Root };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["VMORPH_DATA_DIR"] = data;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) process.Kill(entireProcessTree: true);
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Launcher_ImportThenFleetJson_ListsTheVmWithExplainedTraits()
    {
        var import = Run("import", Path.Combine(CliHarness.Traces, "bitbrains-rnd", "2013-8"));
        Assert.True(import.Exit == 0, import.Error);
        var fleet = Run("fleet", "--output", "json");
        Assert.True(fleet.Exit == 0, fleet.Error);
        using var json = JsonDocument.Parse(fleet.Out);
        var vms = json.RootElement.GetProperty("vms").EnumerateArray().ToList();
        Assert.Equal(80, vms.Count);
        // Every trait names its features: those that made the score, and those that had no data (a VM with two
        // hours of samples cannot show a daily cycle). Every VM has traits made from data.
        Assert.All(vms, vm =>
        {
            var traits = vm.GetProperty("traits").EnumerateArray().ToList();
            Assert.All(traits, t => Assert.True(t.GetProperty("contributions").GetArrayLength() + t.GetProperty("missing").GetArrayLength() > 0));
            Assert.Contains(traits, t => t.GetProperty("contributions").EnumerateArray().Any(c => c.GetProperty("feature").GetString()!.Length > 0));
        });
    }

    [Fact]
    public void Launcher_ServeGetsSigterm_StopsGracefullyAndExitsZero()
    {
        // kill, systemctl stop and docker stop send SIGTERM: serve must stop as on Ctrl-C, not keep running.
        var start = new ProcessStartInfo(Path.Combine(CliHarness.Root, "vmorph")) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = CliHarness.Root };
        foreach (var a in new[] { "serve", "--replay", Path.Combine(CliHarness.Traces, "bitbrains-rnd", "2013-8"), "--replay-vms", "3", "--urls", "http://127.0.0.1:0" })
            start.ArgumentList.Add(a);
        start.Environment["VMORPH_DATA_DIR"] = data;
        using var process = Process.Start(start)!;
        var error = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (error) error.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        try
        {
            // The dashboard line comes once the server listens.
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null && !line.Contains("vmorph serve: dashboard", StringComparison.Ordinal)) { }
            Assert.NotNull(line);
            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!)
                kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(90)), "serve was still running 90 s after SIGTERM");
            process.WaitForExit();
            lock (error)
            {
                Assert.True(process.ExitCode == 0, error.ToString());
                Assert.Contains("vmorph serve: stopping", error.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Launcher_UnknownCommand_ExitsWithUsageError()
    {
        var result = Run("frobnicate");
        Assert.NotEqual(0, result.Exit);
        Assert.Contains("frobnicate", result.Error + result.Out, StringComparison.Ordinal);
    }

    /// <summary>Runs the launcher on a real pseudo-terminal (util-linux <c>script</c>), as a person at a terminal does.</summary>
    private string OnATerminal(params string[] args)
    {
        var command = string.Join(' ', new[] { Path.Combine(CliHarness.Root, "vmorph") }.Concat(args).Select(a => "'" + a + "'"));
        var start = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = CliHarness.Root };
        foreach (var a in new[] { "-qec", command, "/dev/null" }) start.ArgumentList.Add(a);
        start.Environment["VMORPH_DATA_DIR"] = data;
        start.Environment["COLUMNS"] = "120";
        start.Environment.Remove("NO_COLOR");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) process.Kill(entireProcessTree: true);
        Assert.True(process.ExitCode == 0, stdout.Result + process.StandardError.ReadToEnd());
        return stdout.Result;
    }

    [Fact]
    public void Launcher_NoColorOnATerminal_WritesNoColourEscapes()
    {
        var import = Run("import", Path.Combine(CliHarness.Traces, "bitbrains-rnd", "2013-8", "17.csv.gz"));
        Assert.True(import.Exit == 0, import.Error);
        // On a terminal, history styles its versions: colour escapes are there...
        Assert.Matches("\u001b\\[[0-9;]*m", OnATerminal("history", "17"));
        // ... and --no-color takes every one of them away (Spectre fixes a console's colours when it is made).
        Assert.DoesNotMatch("\u001b\\[[0-9;]*m", OnATerminal("history", "17", "--no-color"));
    }
}
