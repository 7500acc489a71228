using System.Text;
using System.Text.Json;

namespace Vmorph.Guest.Shell;

/// <summary>
/// <see cref="IGuestShell"/> over the QEMU guest agent: <c>guest-exec</c> with an argument vector and captured output,
/// polled with <c>guest-exec-status</c> until it exits (base64 output decoded), and <c>guest-file-open/read/close</c>.
/// Every answer is checked: one that is not the QMP reply expected is reported as garbage, with an excerpt, never
/// guessed at. No vmorph binary is needed in the guest, only <c>qemu-ga</c>.
/// </summary>
public sealed class QemuAgentShell(IQemuAgentTransport transport, TimeProvider clock) : IGuestShell
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);
    private const int ReadChunk = 48 * 1024;

    /// <inheritdoc />
    public string Target => transport.Target;

    /// <inheritdoc />
    public async Task<Result<GuestCommandOutput>> RunAsync(GuestCommand command, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var request = Json(w =>
        {
            w.WriteString("execute", "guest-exec");
            w.WriteStartObject("arguments");
            w.WriteString("path", command.Path);
            w.WriteStartArray("arg");
            foreach (var a in command.Arguments) w.WriteStringValue(a);
            w.WriteEndArray();
            w.WriteBoolean("capture-output", true);
            w.WriteEndObject();
        });
        var what = $"guest-exec {command.Path}";
        var answer = await SendAsync(request, what, Min(command.Timeout, CommandTimeout), cancellationToken);
        if (!answer.IsSuccess) return Result<GuestCommandOutput>.Fail(answer.Errors);
        if (!TryGetReturn(answer.Value, out var ret) || ret.ValueKind != JsonValueKind.Object
            || !ret.TryGetProperty("pid", out var pidElement) || pidElement.ValueKind != JsonValueKind.Number || !pidElement.TryGetInt64(out var pid))
            return Garbage<GuestCommandOutput>(what, answer.Value);

        // Short programs end within tens of milliseconds even in an emulated guest: poll often at first, then back off
        // (each poll also wakes the agent inside the guest).
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            var remaining = command.Timeout - clock.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
                return Result<GuestCommandOutput>.Fail(
                    $"{Target}: {command.Path} did not finish within {command.Timeout.TotalSeconds:0.#} s (guest pid {pid}); its output is ignored");
            var status = await SendAsync(
                Command("guest-exec-status", "pid", pid), "guest-exec-status", Min(remaining, CommandTimeout), cancellationToken);
            if (!status.IsSuccess) return Result<GuestCommandOutput>.Fail(status.Errors);
            if (!TryGetReturn(status.Value, out var s) || s.ValueKind != JsonValueKind.Object
                || !s.TryGetProperty("exited", out var exited) || exited.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return Garbage<GuestCommandOutput>("guest-exec-status", status.Value);
            if (exited.GetBoolean()) return Finish(s, status.Value, clock.GetElapsedTime(started));
            await Task.Delay(Min(delay, remaining), clock, cancellationToken);
            delay = clock.GetElapsedTime(started) < TimeSpan.FromSeconds(1) ? TimeSpan.FromMilliseconds(10) : Min(delay * 2, TimeSpan.FromMilliseconds(100));
        }
    }

    private Result<GuestCommandOutput> Finish(JsonElement status, string raw, TimeSpan elapsed)
    {
        int exitCode;
        if (status.TryGetProperty("exitcode", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var c)) exitCode = c;
        else if (status.TryGetProperty("signal", out var signal) && signal.ValueKind == JsonValueKind.Number && signal.TryGetInt32(out var sig)) exitCode = 128 + sig;
        else return Garbage<GuestCommandOutput>("guest-exec-status (exited without an exit code or signal)", raw);
        if (!TryBase64(status, "out-data", out var stdout) || !TryBase64(status, "err-data", out var stderr))
            return Garbage<GuestCommandOutput>("guest-exec-status (output is not base64)", raw);
        var truncated = IsTrue(status, "out-truncated") || IsTrue(status, "err-truncated");
        return Result<GuestCommandOutput>.Ok(new GuestCommandOutput(exitCode, stdout, stderr, truncated, elapsed));
    }

    /// <inheritdoc />
    public async Task<Result<byte[]>> ReadFileAsync(string path, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var open = await SendAsync(Json(w =>
        {
            w.WriteString("execute", "guest-file-open");
            w.WriteStartObject("arguments");
            w.WriteString("path", path);
            w.WriteString("mode", "r");
            w.WriteEndObject();
        }), $"guest-file-open {path}", timeout, cancellationToken);
        if (!open.IsSuccess) return Result<byte[]>.Fail(open.Errors);
        if (!TryGetReturn(open.Value, out var h) || h.ValueKind != JsonValueKind.Number || !h.TryGetInt64(out var handle)) return Garbage<byte[]>("guest-file-open", open.Value);
        try
        {
            using var content = new MemoryStream();
            while (content.Length < maxBytes)
            {
                var count = (int)Math.Min(ReadChunk, maxBytes - content.Length);
                var read = await SendAsync(Command("guest-file-read", "handle", handle, "count", count),
                    $"guest-file-read {path}", timeout, cancellationToken);
                if (!read.IsSuccess) return Result<byte[]>.Fail(read.Errors);
                if (!TryGetReturn(read.Value, out var r) || r.ValueKind != JsonValueKind.Object || !TryBase64(r, "buf-b64", out var bytes))
                    return Garbage<byte[]>("guest-file-read", read.Value);
                content.Write(bytes);
                if (IsTrue(r, "eof") || bytes.Length == 0) break;
            }
            return Result<byte[]>.Ok(content.ToArray());
        }
        finally
        {
            // Best effort: a handle left open is closed by the agent when it restarts.
            await SendAsync(Command("guest-file-close", "handle", handle), "guest-file-close", timeout, CancellationToken.None);
        }
    }

    private async Task<Result<string>> SendAsync(string command, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answer = await transport.ExecuteAsync(command, timeout, cancellationToken);
        return answer.IsSuccess ? answer : Result<string>.Fail(answer.Errors.Select(e => $"{Target}: guest agent {what}: {e}").ToList());
    }

    private Result<T> Garbage<T>(string what, string answer) =>
        Result<T>.Fail($"{Target}: the guest agent's answer to {what} is not what QMP promises, ignored: {Excerpt(answer)}");

    internal static string Excerpt(string text)
    {
        var oneLine = new string([.. text.Take(120).Select(ch => char.IsControl(ch) ? ' ' : ch)]);
        return text.Length > 120 ? oneLine + "..." : oneLine;
    }

    private static bool TryGetReturn(string answer, out JsonElement value)
    {
        value = default;
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("return", out var ret)) return false;
            value = ret.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryBase64(JsonElement obj, string name, out byte[] bytes)
    {
        bytes = [];
        if (!obj.TryGetProperty(name, out var value)) return true;
        if (value.ValueKind != JsonValueKind.String) return false;
        try
        {
            bytes = Convert.FromBase64String(value.GetString()!);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsTrue(JsonElement obj, string name) => obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Command(string execute, string name, long value, string? name2 = null, long value2 = 0) => Json(w =>
    {
        w.WriteString("execute", execute);
        w.WriteStartObject("arguments");
        w.WriteNumber(name, value);
        if (name2 is not null) w.WriteNumber(name2, value2);
        w.WriteEndObject();
    });

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
