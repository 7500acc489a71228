using System.ComponentModel;
using System.Diagnostics;

namespace Vmorph.Guest.Shell;

/// <summary>
/// <see cref="IGuestShell"/> on the machine vmorph runs on, for <c>vmorph agent</c>: the same scripts and parsers as
/// through the guest agent, run with <see cref="Process"/> and an argument list (never a shell string built from data).
/// </summary>
public sealed class LocalShell(TimeProvider clock) : IGuestShell
{
    /// <inheritdoc />
    public string Target => "local";

    /// <inheritdoc />
    public async Task<Result<GuestCommandOutput>> RunAsync(GuestCommand command, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var info = new ProcessStartInfo(command.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments) info.ArgumentList.Add(argument);
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return Result<GuestCommandOutput>.Fail($"{Target}: cannot run {command.Path}: {e.Message}");
        }
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(command.Timeout);
        var stdout = CopyAsync(process.StandardOutput.BaseStream, timeout.Token);
        var stderr = CopyAsync(process.StandardError.BaseStream, timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout;
            var errors = await stderr;
            return Result<GuestCommandOutput>.Ok(new GuestCommandOutput(process.ExitCode, output, errors, false, clock.GetElapsedTime(started)));
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            cancellationToken.ThrowIfCancellationRequested();
            return Result<GuestCommandOutput>.Fail($"{Target}: {command.Path} did not finish within {command.Timeout.TotalSeconds:0.#} s; it was stopped and its output ignored");
        }
    }

    /// <inheritdoc />
    public async Task<Result<byte[]>> ReadFileAsync(string path, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = File.OpenRead(path);
            var buffer = new byte[maxBytes];
            var total = 0;
            int read;
            while (total < maxBytes && (read = await file.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0) total += read;
            return Result<byte[]>.Ok(buffer[..total]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Result<byte[]>.Fail($"{Target}: cannot read {path}: {e.Message}");
        }
    }

    private static async Task<byte[]> CopyAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, cancellationToken);
        return memory.ToArray();
    }
}
