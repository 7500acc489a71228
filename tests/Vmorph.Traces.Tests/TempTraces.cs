using System.IO.Compression;
using System.Text;

namespace Vmorph.Traces.Tests;

/// <summary>A temporary directory of trace files written by a test, removed afterwards.</summary>
internal sealed class TempTraces : IDisposable
{
    public TempTraces() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vmorph-traces-" + Guid.NewGuid().ToString("N"));

    /// <summary>Writes <paramref name="text"/> gzip-compressed.</summary>
    public string Gzip(string name, string text)
    {
        var path = PathOf(name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        gzip.Write(Encoding.UTF8.GetBytes(text));
        return path;
    }

    public string Bytes(string name, byte[] bytes)
    {
        var path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string Text(string name, string text) => Bytes(name, Encoding.UTF8.GetBytes(text));

    private string PathOf(string name)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
