using System.Diagnostics;
using System.Text.Json;

namespace Vmorph.Libvirt;

/// <summary>
/// Finds the bottom of a qcow2 disk's backing chain with <c>qemu-img info --backing-chain -U</c>, for domains whose XML
/// does not carry the chain (inactive ones). Results are cached by path and modification time; a failure (no
/// qemu-img, an unreadable file) gives no base image rather than a guessed one.
/// </summary>
internal sealed class BackingChainProbe
{
    private readonly Dictionary<(string, DateTime), string?> cache = [];

    public string? BottomOf(string path)
    {
        DateTime modified;
        try
        {
            if (!File.Exists(path)) return null;
            modified = File.GetLastWriteTimeUtc(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        lock (cache)
        {
            if (cache.TryGetValue((path, modified), out var known)) return known;
        }
        var bottom = Probe(path);
        lock (cache) cache[(path, modified)] = bottom;
        return bottom;
    }

    private static string? Probe(string path)
    {
        var info = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["info", "--backing-chain", "--output=json", "-U", "--", path]) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(5000))
            {
                process.Kill();
                return null;
            }
            if (process.ExitCode != 0) return null;
            using var document = JsonDocument.Parse(output.Result);
            var images = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.EnumerateArray().ToList() : [];
            return images.Count > 1 && images[^1].TryGetProperty("filename", out var name) ? name.GetString() : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException or IOException or InvalidOperationException)
        {
            return null;
        }
    }
}
