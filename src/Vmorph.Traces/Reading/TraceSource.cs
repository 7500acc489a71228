using System.Buffers.Binary;

namespace Vmorph.Traces.Reading;

/// <summary>
/// One trace file's bytes, read once into memory (the traces are at most a few MB compressed) so that they can be
/// hashed and then decompressed, from the start, as often as a reader needs: once to peek at the first line, once to parse.
/// </summary>
internal sealed class TraceSource
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    private readonly CancellationToken cancellationToken;

    public TraceSource(string path, byte[] bytes, CancellationToken cancellationToken = default)
    {
        this.cancellationToken = cancellationToken;
        Path = path;
        Bytes = bytes;
        IsGzip = bytes.AsSpan().StartsWith(GzipMagic);
    }

    /// <summary>The file as given.</summary>
    public string Path { get; }

    /// <summary>The file's bytes as stored.</summary>
    public byte[] Bytes { get; }

    /// <summary>Whether the bytes are gzip-compressed (by their magic number, not the file name).</summary>
    public bool IsGzip { get; }

    /// <summary>
    /// The decompressed length, as far as it is known before decompressing: the gzip trailer's ISIZE (exact below
    /// 4 GiB) or the plain file's length. Only a hint for sizing buffers.
    /// </summary>
    public long LengthHint => IsGzip && Bytes.Length >= 4
        ? BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(Bytes.Length - 4))
        : Bytes.Length;

    /// <summary>A capacity for a list of one item per line, from the length hint and a typical line length.</summary>
    public int CapacityFor(int typicalLineBytes) => (int)Math.Clamp(LengthHint / typicalLineBytes + 16, 16, 1 << 22);

    /// <summary>The decompressed content from its start; reading it checks for cancellation.</summary>
    public Stream Open() => IsGzip ? new CheckedGzipStream(Bytes, cancellationToken) : new MemoryStream(Bytes, writable: false);

    /// <summary>The decompressed content from its start, each line cut at <see cref="BoundedLineStream.MaxLineBytes"/>.</summary>
    public BoundedLineStream OpenLines() => new(Open(), cancellationToken);

    /// <summary>Up to <paramref name="maxBytes"/> decompressed bytes from the start: enough to recognise the format.</summary>
    public byte[] Head(int maxBytes)
    {
        using var stream = Open();
        var buffer = new byte[maxBytes];
        var length = stream.ReadAtLeast(buffer, maxBytes, throwOnEndOfStream: false);
        return buffer[..length];
    }
}
