using System.Globalization;
using System.IO.Compression;
using System.Text;
using Vmorph.Simulation.Replay;

namespace Vmorph.Simulation.Output;

/// <summary>
/// Writes every decision as CSV, one row per policy, VM, step and resource:
/// <c>policy,vm,timestamp,resource,usage,allocation</c>, where <c>resource</c> is <c>cpu</c> (cores) or <c>memory</c>
/// (MiB), <c>timestamp</c> is the step's start in ISO 8601 UTC, <c>usage</c> is the value read from the trace (shortest
/// round-trip form, empty where not measured) and <c>allocation</c> the allocation in force. A path ending in
/// <c>.gz</c> is gzip-compressed.
/// </summary>
public static class DecisionsCsvWriter
{
    /// <summary>The header line.</summary>
    public const string Header = "policy,vm,timestamp,resource,usage,allocation";

    /// <summary>Writes the tracks to a file; returns the rows written.</summary>
    public static long Write(string path, IEnumerable<AllocationTrack> tracks)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.Fastest)
            : file;
        return Write(stream, tracks);
    }

    /// <summary>Writes the tracks to a stream; returns the rows written.</summary>
    public static long Write(Stream stream, IEnumerable<AllocationTrack> tracks)
    {
        var buffer = new byte[1 << 16];
        var used = 0;
        long rows = 0;
        void Flush()
        {
            stream.Write(buffer, 0, used);
            used = 0;
        }
        void Append(ReadOnlySpan<byte> bytes)
        {
            if (used + bytes.Length > buffer.Length) Flush();
            bytes.CopyTo(buffer.AsSpan(used));
            used += bytes.Length;
        }
        void AppendNumber(double value)
        {
            if (double.IsNaN(value)) return;
            if (used + 32 > buffer.Length) Flush();
            if (!value.TryFormat(buffer.AsSpan(used), out var written, default, CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"cannot format {value}");
            used += written;
        }
        Append(Encoding.UTF8.GetBytes(Header + "\n"));
        var time = new byte[32];
        foreach (var track in tracks)
        {
            var prefix = Encoding.UTF8.GetBytes(Escape(track.Policy) + "," + Escape(track.Series.Vm.Value) + ",");
            var series = track.Series;
            var hasMemory = series.HasMemory;
            for (var i = 0; i < series.Length; i++)
            {
                var timeBytes = Timestamp(series.UnixSeconds[i], time);
                Append(prefix);
                Append(timeBytes);
                Append(",cpu,"u8);
                AppendNumber(series.Cores[i]);
                Append(","u8);
                AppendNumber(track.Allocations[i].Cores);
                Append("\n"u8);
                rows++;
                if (!hasMemory) continue;
                Append(prefix);
                Append(timeBytes);
                Append(",memory,"u8);
                AppendNumber(series.MemoryMiB[i]);
                Append(","u8);
                AppendNumber(track.Allocations[i].MemoryMiB);
                Append("\n"u8);
                rows++;
            }
        }
        Flush();
        return rows;
    }

    private static ReadOnlySpan<byte> Timestamp(long unixSeconds, Span<byte> into)
    {
        // yyyy-MM-ddTHH:mm:ssZ, written by hand: millions of rows.
        var t = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime;
        Digits(into, 0, t.Year, 4);
        into[4] = (byte)'-';
        Digits(into, 5, t.Month, 2);
        into[7] = (byte)'-';
        Digits(into, 8, t.Day, 2);
        into[10] = (byte)'T';
        Digits(into, 11, t.Hour, 2);
        into[13] = (byte)':';
        Digits(into, 14, t.Minute, 2);
        into[16] = (byte)':';
        Digits(into, 17, t.Second, 2);
        into[19] = (byte)'Z';
        return into[..20];
    }

    private static void Digits(Span<byte> into, int at, int value, int width)
    {
        for (var i = width - 1; i >= 0; i--)
        {
            into[at + i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    private static string Escape(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
