using System.Security.Cryptography;
using Vmorph.Import;
using Vmorph.Sources;
using Vmorph.Traces.Formats;
using Vmorph.Traces.Reading;

namespace Vmorph.Traces;

/// <summary>
/// Reads every public trace format in <c>shared/traces</c>, recognised from the content (the header line, or the tar
/// magic of the Google archive), never from the file name alone. Files are gzip-compressed (recognised by the gzip magic)
/// or plain; each is read into memory once, hashed, and decompressed from memory as a stream.
/// </summary>
/// <remarks>
/// <para>Formats and the VM ids they give:</para>
/// <list type="bullet">
/// <item><c>bitbrains</c>: <c>bitbrains:&lt;file stem&gt;</c>, CPU, memory, disk and network with capacities and configurations.</item>
/// <item><c>azure-v1</c>: <c>azure:&lt;column&gt;</c> (<c>azure-max:</c> for the max file, <c>azure-periodic:</c> for the periodic one), CPU utilisation only.</item>
/// <item><c>planetlab</c>: <c>planetlab:&lt;vm name&gt;</c>, CPU utilisation only; the day comes from the file name <c>planetlab_YYYYMMDD</c>.</item>
/// <item><c>alibaba-2018</c>: <c>alibaba:&lt;machine_id&gt;</c>, CPU and memory utilisation of physical machines.</item>
/// <item><c>alibaba-2018-meta</c>: <c>alibaba:&lt;machine_id&gt;</c>, configurations (cores) only.</item>
/// <item><c>google-2011-gcd</c>: <c>google2011:vm_&lt;job&gt;_&lt;day&gt;</c>, CPU and memory utilisation.</item>
/// <item><c>datacenter-aggregate</c>: <c>aggregate:alibaba-2018</c>, <c>aggregate:azure-v2</c>, <c>aggregate:google-2019</c>, whole datacenters.</item>
/// </list>
/// <para>
/// <see cref="TraceFile.Rows"/> counts data lines (the header excluded), valid or marked missing, but not malformed
/// lines that were skipped: in the wide formats (Azure, PlanetLab) one line holds one value per VM and counts once; in
/// the Google archive each line of each member file counts once. Timestamps the traces lack are placed at the
/// <see cref="TraceOrigins"/>, and the file's notes say so. The reader holds no state: files may be read in parallel.
/// </para>
/// </remarks>
public sealed class TraceReader : ITraceReader
{
    private static readonly ITraceFormat[] Formats =
    [
        new BitbrainsFormat(),
        new AzureV1Format(),
        new PlanetLabFormat(),
        new AlibabaUsageFormat(),
        new AlibabaMetaFormat(),
        new Google2011GcdFormat(),
        new DatacenterAggregateFormat(),
    ];

    private static readonly string[] TraceExtensions = [".gz", ".csv"];

    /// <inheritdoc />
    /// <remarks>
    /// Files found in a directory are ordered naturally (<c>2013-7/2</c> before <c>2013-7/10</c>); a file named twice is
    /// read once. A path that exists but is not a directory is listed as it is, whatever its type: <see cref="Read"/>
    /// refuses a FIFO, a device or a link loop in its turn, so that the files before it are still imported. Finding no
    /// trace file at all is an error that says where import looked and what it looks for.
    /// </remarks>
    public IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var searched = new List<string>();
        foreach (var path in paths)
        {
            searched.Add(path);
            if (Directory.Exists(path))
            {
                foreach (var file in TraceFilesUnder(path))
                    if (seen.Add(Path.GetFullPath(file))) files.Add(file);
            }
            else if (RegularFile.IsMissing(path))
            {
                throw new FileNotFoundException($"no such file or directory: {path}", path);
            }
            else if (seen.Add(Path.GetFullPath(path)))
            {
                files.Add(path);
            }
        }
        if (files.Count == 0)
            throw new FileNotFoundException(
                $"no trace files in {string.Join(", ", searched)}: import reads files ending in {string.Join(" or ", TraceExtensions)} (directories are searched recursively)");
        return files;
    }

    private static IEnumerable<string> TraceFilesUnder(string directory)
    {
        try
        {
            return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(file => TraceExtensions.Any(extension => file.EndsWith(extension, StringComparison.OrdinalIgnoreCase)))
                .Order(NaturalPathComparer.Instance)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TraceFormatException(directory, null, $"the directory cannot be searched: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public TraceFile Read(string path, TraceReadOptions options, CancellationToken cancellationToken)
    {
        // The type is checked before the file is opened: opening a FIFO waits for a writer, a device never ends.
        if (RegularFile.Problem(path) is { } problem)
        {
            if (Directory.Exists(path)) throw new FileNotFoundException($"{path} is a directory, not a trace file", path);
            if (RegularFile.IsMissing(path)) throw new FileNotFoundException($"no such file: {path}", path);
            throw new TraceFormatException(path, null, problem);
        }
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = ReadAllBytes(path, cancellationToken);
        if (bytes.Length == 0) throw new TraceFormatException(path, null, "the file is empty (0 bytes): it holds no trace");
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var source = new TraceSource(path, bytes, cancellationToken);
        var context = new TraceReadContext(source, options, cancellationToken);
        try
        {
            var head = new TraceHead(source.Head(TraceHead.Length));
            if (head.IsEmpty)
                throw new TraceFormatException(path, null, "the file holds no data: it decompresses to nothing");
            var format = Formats.FirstOrDefault(f => f.Matches(head))
                ?? throw new TraceFormatException(path, null,
                    $"unknown trace format: the first line '{head.FirstLineForMessage()}' matches none of: {string.Join(", ", Formats.Select(f => f.Name))}");
            format.Read(context);
            return new TraceFile(
                path,
                format.Name,
                sha256,
                [.. context.Series],
                context.Rows,
                context.Series.Sum(s => s.MissingRows),
                context.SkippedRows,
                [.. context.Notes]);
        }
        catch (CorruptCompressedDataException e)
        {
            throw new TraceFormatException(path, context.LastLine, $"the gzip data is truncated or corrupt ({e.Message})", e);
        }
        catch (Exception e) when (e is not (TraceFormatException or OperationCanceledException or OutOfMemoryException))
        {
            // The CSV reader's own errors, and any value a format let through that a unit type refuses: never raw .NET
            // text without the file. The rows after it cannot be reached, so this stops the file whatever the options.
            var where = context.LastLine is { } last ? $"after line {last}" : "at its start";
            throw new TraceFormatException(path, null, $"the file cannot be read {where}: {e.Message.TrimEnd('.')}", e);
        }
    }

    private const int ReadChunkBytes = 1 << 20;

    /// <summary>The whole file, read in chunks so that cancellation is seen between them.</summary>
    private static byte[] ReadAllBytes(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var length = stream.Length;
            if (length > Array.MaxLength)
                throw new TraceFormatException(path, null, $"the file is {length} bytes; vmorph reads trace files of up to {Array.MaxLength} bytes (split it, or compress it)");
            var bytes = new byte[length];
            var offset = 0;
            while (offset < bytes.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = stream.Read(bytes, offset, Math.Min(ReadChunkBytes, bytes.Length - offset));
                if (read == 0) break;
                offset += read;
            }
            return offset == bytes.Length ? bytes : bytes[..offset];
        }
        catch (Exception e) when (e is IOException and not FileNotFoundException or UnauthorizedAccessException)
        {
            throw new TraceFormatException(path, null, $"the file cannot be read: {e.Message.TrimEnd('.')}", e);
        }
    }
}
