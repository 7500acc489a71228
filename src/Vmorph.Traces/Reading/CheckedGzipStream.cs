using System.Buffers.Binary;
using System.IO.Compression;

namespace Vmorph.Traces.Reading;

/// <summary>
/// Decompresses gzip data held in memory and fails when it is truncated. <see cref="GZipStream"/> alone returns a
/// silent end of stream for a file cut short (and checks no CRC), so this stream counts the bytes it hands out and, at
/// the end, compares them with the size the gzip trailer records (ISIZE, the length modulo 2^32).
/// </summary>
/// <remarks>
/// A file of several concatenated gzip members (<c>cat a.gz b.gz</c>) is read whole by <see cref="GZipStream"/>, but its
/// trailer records only the last member's length; so when the total does not match, the last member is looked for and
/// checked on its own before the file is called damaged.
/// </remarks>
internal sealed class CheckedGzipStream : Stream
{
    private const int MinimumGzipLength = 18; // 10-byte header + empty deflate block + 8-byte trailer
    private static ReadOnlySpan<byte> MemberHeader => [0x1f, 0x8b, 0x08]; // magic and the deflate method
    private readonly byte[] compressed;
    private readonly GZipStream inner;
    private readonly uint expectedLength;
    private uint lengthSoFar;
    private bool ended;

    private readonly CancellationToken cancellationToken;

    public CheckedGzipStream(byte[] compressed, CancellationToken cancellationToken)
    {
        this.cancellationToken = cancellationToken;
        if (compressed.Length < MinimumGzipLength)
            throw new CorruptCompressedDataException($"only {compressed.Length} bytes, shorter than any complete gzip file");
        this.compressed = compressed;
        expectedLength = BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4));
        inner = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            read = inner.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new CorruptCompressedDataException(e.Message, e);
        }
        unchecked { lengthSoFar += (uint)read; }
        if (read == 0 && buffer.Length > 0 && !ended)
        {
            ended = true;
            if (lengthSoFar != expectedLength && !LastMemberIsComplete())
                throw new CorruptCompressedDataException(
                    $"unexpected end of stream: the data ends after {lengthSoFar} decompressed bytes, the gzip trailer records {expectedLength}");
        }
        return read;
    }

    /// <summary>
    /// Whether some later gzip member, decompressed alone, has exactly the length the trailer records: then the total
    /// differed because the file has several members, not because it was cut short.
    /// </summary>
    private bool LastMemberIsComplete()
    {
        var data = compressed.AsSpan();
        for (var start = data.LastIndexOf(MemberHeader); start > 0; start = data[..start].LastIndexOf(MemberHeader))
        {
            try
            {
                using var member = new GZipStream(new MemoryStream(compressed, start, compressed.Length - start, writable: false), CompressionMode.Decompress);
                var buffer = new byte[81920];
                uint length = 0;
                int read;
                while ((read = member.Read(buffer)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    unchecked { length += (uint)read; }
                }
                // Decompressing from an earlier member gives more than the last one's length, so the first match from the end is the last member.
                if (length == expectedLength) return true;
            }
            catch (InvalidDataException)
            {
                // Not a member start: the three bytes occurred inside compressed data.
            }
        }
        return false;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
