using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Vmorph.Libvirt.Tests.Workloads;

/// <summary>The built <c>vmorph serve</c> as a child process on the lab's connection, its output collected.</summary>
internal sealed class WorkloadServeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private WorkloadServeProcess(Process process) => this.process = process;

    /// <summary>The admin token printed on the store's first start.</summary>
    public string? AdminToken { get; private set; }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>Everything it wrote so far (standard output and error).</summary>
    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>Starts serve with <paramref name="arguments"/> after <c>serve</c> and waits until it listens (or exits).</summary>
    public static async Task<WorkloadServeProcess> StartAsync(string dataDirectory, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vmorph.dll"));
        info.ArgumentList.Add("serve");
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["VMORPH_DATA_DIR"] = dataDirectory;
        var serve = new WorkloadServeProcess(Process.Start(info)!);
        serve.process.StandardInput.Close();
        serve.process.OutputDataReceived += (_, e) => serve.Take(e.Data);
        serve.process.ErrorDataReceived += (_, e) => serve.Take(e.Data);
        serve.process.BeginOutputReadLine();
        serve.process.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        while (!serve.Output.Contains("listening on", StringComparison.Ordinal))
        {
            if (serve.process.HasExited || watch.Elapsed > TimeSpan.FromSeconds(120))
                throw new InvalidOperationException($"vmorph serve did not start listening (exited: {serve.process.HasExited}):\n{serve.Output}");
            await Task.Delay(200);
        }
        return serve;
    }

    private void Take(string? line)
    {
        if (line is null) return;
        const string marker = "admin token (shown once, keep it): ";
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0) AdminToken = line[(at + marker.Length)..].Trim();
        lock (output) output.AppendLine(line);
    }

    /// <summary>Stops it as Ctrl-C would (SIGINT), killing it if it has not stopped within 45 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            Lab.LabFixture.Run("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        process.Dispose();
    }
}
