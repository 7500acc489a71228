using System.Diagnostics;
using System.Text;
using Vmorph.Libvirt.Tests.Morphing;

namespace Vmorph.Libvirt.Tests.Serve;

/// <summary>The built <c>vmorph serve</c> running as a child process on the lab's connection, its output collected.</summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServeProcess(Process process) => this.process = process;

    /// <summary>The admin token printed on the store's first start (null on later starts).</summary>
    public string? AdminToken { get; private set; }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>Everything it wrote so far (standard output and error).</summary>
    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>
    /// Starts serve and waits until it listens (or exits), at most <paramref name="startup"/>: a server that finds a morph
    /// left unfinished recovers it before it listens, which may restart the guest. <paramref name="crashAt"/> arms the
    /// test crash hook.
    /// </summary>
    public static Task<ServeProcess> StartAsync(string dataDirectory, string policies, int port, string? crashAt, TimeSpan startup) =>
        StartAsync(dataDirectory, ["--connect", Lab.LabFixture.Uri, "--interval", "5s", "--urls", $"http://127.0.0.1:{port}", "--policies", policies], crashAt, startup);

    /// <summary>Starts <c>vmorph serve</c> with <paramref name="arguments"/> (its <c>--urls</c> on 127.0.0.1) as above.</summary>
    public static async Task<ServeProcess> StartAsync(string dataDirectory, IEnumerable<string> arguments, string? crashAt, TimeSpan startup)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vmorph.dll"));
        info.ArgumentList.Add("serve");
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["VMORPH_DATA_DIR"] = dataDirectory;
        info.Environment.Remove(MorphLabTools.MorphCrashVariable);
        if (crashAt is not null) info.Environment[MorphLabTools.MorphCrashVariable] = crashAt;
        var serve = new ServeProcess(Process.Start(info)!);
        serve.process.StandardInput.Close();
        serve.process.OutputDataReceived += (_, e) => serve.Take(e.Data);
        serve.process.ErrorDataReceived += (_, e) => serve.Take(e.Data);
        serve.process.BeginOutputReadLine();
        serve.process.BeginErrorReadLine();
        // Its own lines, after ASP.NET Core's "Now listening on": the dashboard link (with the admin token on the first start).
        try
        {
            await serve.WaitForOutputAsync("vmorph serve: dashboard ", startup);
        }
        catch
        {
            // Not left running to govern the lab after the test: a server that did not start in time is killed.
            await serve.DisposeAsync();
            throw;
        }
        return serve;
    }

    private void Take(string? line)
    {
        if (line is null) return;
        const string marker = "vmorph serve: dashboard http://127.0.0.1:";
        const string token = "/#token=";
        if (line.StartsWith(marker, StringComparison.Ordinal) && line.IndexOf(token, StringComparison.Ordinal) is var at and >= 0)
            AdminToken = line[(at + token.Length)..].Trim();
        lock (output) output.AppendLine(line);
    }

    /// <summary>Waits until its output contains <paramref name="text"/>; throws with the output if it exits or times out first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited || watch.Elapsed > timeout)
                throw new InvalidOperationException($"vmorph serve did not say '{text}' (exited: {process.HasExited}):\n{Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits for it to exit by itself; its exit code, or null if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Stops it as Ctrl-C would (SIGINT), killing it if it has not stopped within 45 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            _ = LabFixtureSignals.Interrupt(process.Id);
            if (await WaitForExitAsync(TimeSpan.FromSeconds(45)) is null) process.Kill(entireProcessTree: true);
        }
        process.Dispose();
    }
}

/// <summary>Signals to a child process.</summary>
internal static class LabFixtureSignals
{
    /// <summary>Sends SIGINT to <paramref name="pid"/> with kill(1); its exit code.</summary>
    public static int Interrupt(int pid) => Lab.LabFixture.Run("kill", ["-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10)).Exit;
}
