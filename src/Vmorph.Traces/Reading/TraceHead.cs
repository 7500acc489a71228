using System.Text;

namespace Vmorph.Traces.Reading;

/// <summary>The start of a file's decompressed content: what a format is recognised by.</summary>
internal sealed class TraceHead
{
    /// <summary>How much is decompressed to recognise a format: more than the longest header (PlanetLab's, ~1.7 KB).</summary>
    public const int Length = 16 * 1024;

    private const int TarMagicOffset = 257;
    private static ReadOnlySpan<byte> TarMagic => "ustar"u8;

    public TraceHead(byte[] bytes)
    {
        Bytes = bytes;
        IsTar = bytes.Length >= TarMagicOffset + TarMagic.Length && bytes.AsSpan(TarMagicOffset, TarMagic.Length).SequenceEqual(TarMagic);
        var text = bytes.AsSpan();
        if (text.StartsWith("\uFEFF"u8)) text = text[3..];
        var end = text.IndexOf((byte)'\n');
        var line = end < 0 ? text : text[..end];
        FirstLine = Encoding.UTF8.GetString(line).TrimEnd('\r');
        FirstLineFields = FirstLine.Split(',');
    }

    public byte[] Bytes { get; }

    public bool IsEmpty => Bytes.Length == 0;

    /// <summary>Whether the content is a tar archive (POSIX "ustar" magic at offset 257).</summary>
    public bool IsTar { get; }

    /// <summary>The first line, without its line ending.</summary>
    public string FirstLine { get; }

    /// <summary>The first line split at commas (no quote handling: enough to recognise a format).</summary>
    public IReadOnlyList<string> FirstLineFields { get; }

    /// <summary>The first line made printable and cut to <paramref name="maxLength"/> characters, for messages.</summary>
    public string FirstLineForMessage(int maxLength = 80)
    {
        var printable = new string(FirstLine.Select(c => char.IsControl(c) ? '?' : c).Take(maxLength).ToArray());
        return printable;
    }
}
