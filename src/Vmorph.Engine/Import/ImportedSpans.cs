using System.Buffers.Binary;
using System.Collections.Immutable;

namespace Vmorph.Import;

/// <summary>
/// The spans of time whose samples of one VM were imported: what keys an import by content (a VM and a time) rather
/// than by a file's bytes. A sample inside a span is known already, so a decompressed or re-compressed copy of a trace,
/// another file holding the same rows, or a row given twice adds nothing, whatever order the files come in. A series
/// makes one span from its first time to its last, broken wherever a gap is longer than twice its usual step (so a file
/// that fills a real gap of another is still taken). Bounded: past <see cref="MaxSpans"/> spans, the two closest merge.
/// </summary>
public sealed class ImportedSpans
{
    /// <summary>The most spans kept per VM (16 bytes each).</summary>
    public const int MaxSpans = 256;

    /// <summary>No span: nothing imported.</summary>
    public static ImportedSpans None { get; } = new([]);

    private ImportedSpans(ImmutableArray<(long First, long Last)> spans) => Spans = spans;

    /// <summary>The spans, disjoint, oldest first, in Unix seconds (both ends included).</summary>
    public ImmutableArray<(long First, long Last)> Spans { get; }

    /// <summary>Whether a sample at <paramref name="unixSeconds"/> falls inside an imported span.</summary>
    public bool Covers(long unixSeconds)
    {
        int low = 0, high = Spans.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var (first, last) = Spans[middle];
            if (unixSeconds < first) high = middle - 1;
            else if (unixSeconds > last) low = middle + 1;
            else return true;
        }
        return false;
    }

    /// <summary>These spans with the spans of a series' times (sorted, oldest first) added.</summary>
    public ImportedSpans With(IReadOnlyList<long> sortedTimes)
    {
        if (sortedTimes.Count == 0) return this;
        var all = new List<(long First, long Last)>(Spans.Length + 4);
        all.AddRange(Spans);
        all.AddRange(SpansOf(sortedTimes));
        all.Sort((a, b) => a.First.CompareTo(b.First));
        var merged = new List<(long First, long Last)>(all.Count);
        foreach (var span in all)
        {
            if (merged.Count > 0 && span.First <= merged[^1].Last) merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, span.Last));
            else merged.Add(span);
        }
        while (merged.Count > MaxSpans)
        {
            var closest = 0;
            for (var i = 1; i < merged.Count - 1; i++)
                if (merged[i + 1].First - merged[i].Last < merged[closest + 1].First - merged[closest].Last) closest = i;
            merged[closest] = (merged[closest].First, merged[closest + 1].Last);
            merged.RemoveAt(closest + 1);
        }
        return new ImportedSpans([.. merged]);
    }

    // One span per run of times whose gaps stay within twice the series' usual (median) step.
    private static List<(long, long)> SpansOf(IReadOnlyList<long> times)
    {
        var spans = new List<(long, long)>();
        var gaps = new long[times.Count - 1];
        for (var i = 1; i < times.Count; i++) gaps[i - 1] = times[i] - times[i - 1];
        var longest = long.MaxValue;
        if (gaps.Length > 0)
        {
            var sorted = (long[])gaps.Clone();
            Array.Sort(sorted);
            longest = sorted[sorted.Length / 2] > long.MaxValue / 2 ? long.MaxValue : 2 * sorted[sorted.Length / 2];
        }
        var first = times[0];
        for (var i = 1; i < times.Count; i++)
        {
            if (gaps[i - 1] <= longest) continue;
            spans.Add((first, times[i - 1]));
            first = times[i];
        }
        spans.Add((first, times[^1]));
        return spans;
    }

    /// <summary>The spans as bytes: (first, last) pairs of little-endian 64-bit Unix seconds.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[Spans.Length * 16];
        for (var i = 0; i < Spans.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 16), Spans[i].First);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 16 + 8), Spans[i].Last);
        }
        return bytes;
    }

    /// <summary>Spans from <see cref="Encode"/>'s bytes.</summary>
    public static ImportedSpans Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 16 != 0) throw new FormatException($"imported spans: {bytes.Length} bytes is not a whole number of 16-byte spans");
        var spans = ImmutableArray.CreateBuilder<(long, long)>(bytes.Length / 16);
        for (var i = 0; i < bytes.Length; i += 16)
            spans.Add((BinaryPrimitives.ReadInt64LittleEndian(bytes[i..]), BinaryPrimitives.ReadInt64LittleEndian(bytes[(i + 8)..])));
        return new ImportedSpans(spans.MoveToImmutable());
    }
}
