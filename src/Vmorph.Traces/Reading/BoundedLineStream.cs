namespace Vmorph.Traces.Reading;

/// <summary>
/// Hands decompressed content to the CSV reader with every line cut at <see cref="MaxLineBytes"/>, and checks for
/// cancellation before every read. A line longer than that is a malformed row, not a reason to buffer a gigabyte:
/// its first <see cref="MaxLineBytes"/> bytes are passed on (so that line numbers stay as they are), the rest is
/// dropped, and the line is remembered so that <see cref="TraceReadContext.LineRead(long)"/> reports it.
/// </summary>
internal sealed class BoundedLineStream(Stream inner, CancellationToken cancellationToken) : Stream
{
    /// <summary>The longest line read: 1 MiB. The widest real line (PlanetLab's header) is about 1.7 KB.</summary>
    public const int MaxLineBytes = 1 << 20;

    private readonly byte[] pending = new byte[64 * 1024];
    private readonly HashSet<long> overlongLines = [];
    private int position;
    private int length;
    private long line = 1;
    private int lineLength;
    private bool dropping;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Whether the 1-based <paramref name="lineNumber"/> was longer than <see cref="MaxLineBytes"/> (asked once per line).</summary>
    public bool WasCut(long lineNumber) => overlongLines.Count > 0 && overlongLines.Remove(lineNumber);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (position == length)
            {
                length = inner.Read(pending);
                position = 0;
                if (length == 0) return 0;
            }
            var written = 0;
            while (written < buffer.Length && position < length)
            {
                var rest = pending.AsSpan(position, length - position);
                if (rest[0] == (byte)'\n')
                {
                    buffer[written++] = (byte)'\n';
                    position++;
                    line++;
                    lineLength = 0;
                    dropping = false;
                    continue;
                }
                var end = rest.IndexOf((byte)'\n');
                var content = end < 0 ? rest : rest[..end];
                if (dropping)
                {
                    position += content.Length;
                    continue;
                }
                var take = Math.Min(content.Length, Math.Min(buffer.Length - written, MaxLineBytes - lineLength));
                if (take == 0)
                {
                    // The line already holds MaxLineBytes and goes on: drop the rest of it.
                    dropping = true;
                    overlongLines.Add(line);
                    continue;
                }
                content[..take].CopyTo(buffer[written..]);
                written += take;
                position += take;
                lineLength += take;
            }
            if (written > 0) return written;
        }
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
