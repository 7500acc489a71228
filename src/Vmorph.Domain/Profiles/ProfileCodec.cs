using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Vmorph.Cycles;
using Vmorph.Identity;
using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>
/// Turns a <see cref="PersonalityProfile"/> into a JSON document and back, losslessly. Histograms are stored as their
/// non-empty (bucket, weight) pairs and the other fixed-size arrays (peaks, hour-of-week sums) whole, as base64 of their
/// little-endian bytes, which keeps a document a few
/// kilobytes. The configuration history is not part of the document: the store keeps it version by version.
/// </summary>
public static class ProfileCodec
{
    /// <summary>The document format version; bump it with a migration when the layout changes.</summary>
    /// <remarks>
    /// 2: applications, listening ports and peers carry recency (<see cref="Recency"/>). A version 1 document is read
    /// with its lifetime counts taken as recent ones at their last sighting (<see cref="ApplicationUsageStats.WithRecencyFromLifetime"/>,
    /// <see cref="NetworkTrafficProfile.WithRecencyFromLifetime"/>), so what it saw fades from there.
    /// 3: the cycle rings hold the CPU cores the VM wanted (<see cref="CycleHistory"/>); before, its utilisation, which
    /// jumps by a factor at every resize. An older document's rings are dropped on reading (the profile loads with
    /// empty rings, which fill again in 4½ days for the short cycles): a ring of both would show a level shift no
    /// workload made.
    /// </remarks>
    public const int FormatVersion = 3;

    /// <summary>The first format whose cycle rings hold cores wanted rather than utilisation.</summary>
    private const int CyclesOfCoresWanted = 3;

    /// <summary>The oldest document format still read.</summary>
    public const int OldestFormatVersion = 1;

    /// <summary>The JSON options used for profile documents and other stored records.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        TypeInfoResolver = JsonTypeInfoResolver.Combine(ProfileJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    /// <summary>Serialises a profile (without its configuration history).</summary>
    public static byte[] Encode(PersonalityProfile profile)
    {
        var p = profile.Performance;
        var doc = new ProfileDocument
        {
            Format = FormatVersion,
            Id = profile.Id.Value,
            Name = profile.Name,
            Source = profile.Source,
            BaseImage = profile.BaseImage.Value,
            GuestViewMissing = profile.GuestViewMissing,
            HalfLifeSeconds = p.HalfLife.TotalSeconds,
            ReferenceUnixSeconds = p.ReferenceUnixSeconds,
            Samples = p.Samples,
            MissingSamples = p.MissingSamples,
            FirstUnixSeconds = p.FirstUnixSeconds,
            LastUnixSeconds = p.LastUnixSeconds,
            Metrics = p.Measured.Select(EncodeMetric).ToList(),
            // URL-safe base64: the encoder escapes '+' as six characters, which made the rings a third larger.
            CpuCycles = p.Cycles.IsEmpty ? null : Base64Url.EncodeToString(p.Cycles.Encode()),
            // Parts never observed (every trace) are left out: smaller documents, and no serialiser is built for them.
            Applications = profile.Applications.IsObserved ? profile.Applications : null,
            DataFootprint = profile.DataFootprint.IsObserved ? profile.DataFootprint : null,
            Network = profile.Network.IsObserved ? profile.Network : null,
            UserBehavior = profile.UserBehavior.IsObserved || profile.UserBehavior.Consent is not null ? profile.UserBehavior : null,
        };
        return JsonSerializer.SerializeToUtf8Bytes(doc, JsonOptions);
    }

    /// <summary>Reads a profile back; throws <see cref="FormatException"/> naming what is wrong if the document is not one.</summary>
    public static PersonalityProfile Decode(ReadOnlySpan<byte> json)
    {
        ProfileDocument doc;
        try
        {
            doc = JsonSerializer.Deserialize<ProfileDocument>(json, JsonOptions) ?? throw new FormatException("profile document is empty");
        }
        catch (JsonException e)
        {
            throw new FormatException($"profile document is not valid: {e.Message}", e);
        }
        if (doc.Format is < OldestFormatVersion or > FormatVersion)
            throw new FormatException($"profile document format {doc.Format} is not supported (expected {OldestFormatVersion} to {FormatVersion})");
        var performance = new PerformanceMetrics(TimeSpan.FromSeconds(doc.HalfLifeSeconds));
        performance.Restore(doc.ReferenceUnixSeconds, doc.Samples, doc.MissingSamples, doc.FirstUnixSeconds, doc.LastUnixSeconds,
            doc.Metrics.Select(DecodeMetric),
            // Added after format 1 was out: a document without it (stored before) loads with empty cycle rings, as does
            // one whose rings hold utilisation (before format 3).
            doc.CpuCycles is null || doc.Format < CyclesOfCoresWanted ? null : CycleHistory.Decode(Base64Url.DecodeFromChars(doc.CpuCycles)));
        return new PersonalityProfile(new VmId(doc.Id), doc.Name, doc.Source, new BaseImageId(doc.BaseImage), performance)
        {
            GuestViewMissing = doc.GuestViewMissing,
            Applications = (doc.Applications ?? ApplicationUsageStats.Empty).WithRecencyFromLifetime(),
            DataFootprint = doc.DataFootprint ?? DataFootprintAnalysis.Empty,
            Network = (doc.Network ?? NetworkTrafficProfile.Empty).WithRecencyFromLifetime(),
            UserBehavior = doc.UserBehavior ?? UserBehaviorModel.Empty,
        };
    }

    private static MetricDocument EncodeMetric(MetricSummary s)
    {
        var (days, peaks) = s.Peaks.Copy();
        var seasonal = s.Seasonal?.Copy();
        return new MetricDocument
        {
            Metric = s.Metric,
            Count = s.Count,
            Minimum = s.Minimum,
            Maximum = s.Maximum,
            Latest = s.Latest,
            LatestUnixSeconds = s.LatestUnixSeconds,
            WeightedSum = s.WeightedSum,
            WeightedSumOfSquares = s.WeightedSumOfSquares,
            Histogram = EncodeSparse(s.Histogram.CopyWeights()),
            PeakDays = ToBase64(days),
            Peaks = ToBase64(peaks),
            SeasonalSum = seasonal is { } x ? ToBase64(x.Sum) : null,
            SeasonalWeight = seasonal is { } y ? ToBase64(y.Weight) : null,
        };
    }

    private static MetricSummary DecodeMetric(MetricDocument d)
    {
        var scale = MetricSummary.ScaleOf(d.Metric);
        var histogram = new DecayingHistogram(scale, DecodeSparse(d.Histogram, scale.BucketCount));
        histogram.RestoreTotal();
        var peaks = new DailyPeaks(FromBase64<int>(d.PeakDays), FromBase64<float>(d.Peaks));
        var seasonal = d.SeasonalSum is not null && d.SeasonalWeight is not null
            ? new SeasonalSummary(FromBase64<float>(d.SeasonalSum), FromBase64<float>(d.SeasonalWeight))
            : null;
        return new MetricSummary(d.Metric, histogram, peaks, seasonal)
        {
            Count = d.Count,
            Minimum = d.Minimum,
            Maximum = d.Maximum,
            Latest = d.Latest,
            LatestUnixSeconds = d.LatestUnixSeconds,
            WeightedSum = d.WeightedSum,
            WeightedSumOfSquares = d.WeightedSumOfSquares,
        };
    }

    // Most buckets of a histogram are empty: keep (bucket, weight) pairs of the others, as 2 + 4 little-endian bytes,
    // unless that is longer than the dense array (a prefix "d:" marks a dense one).
    private static string EncodeSparse(float[] weights)
    {
        var used = 0;
        foreach (var w in weights) if (w != 0) used++;
        if (used * 6 > weights.Length * 4) return "d:" + ToBase64(weights);
        var pairs = new byte[used * 6];
        var at = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(pairs.AsSpan(at), (ushort)i);
            BinaryPrimitives.WriteSingleLittleEndian(pairs.AsSpan(at + 2), weights[i]);
            at += 6;
        }
        return Convert.ToBase64String(pairs);
    }

    private static float[] DecodeSparse(string text, int buckets)
    {
        if (text.StartsWith("d:", StringComparison.Ordinal))
        {
            var dense = FromBase64<float>(text[2..]);
            return dense.Length == buckets ? dense : throw new FormatException($"a dense histogram has {dense.Length} buckets, expected {buckets}");
        }
        var bytes = Convert.FromBase64String(text);
        if (bytes.Length % 6 != 0) throw new FormatException("a histogram's bucket list is not a whole number of (bucket, weight) pairs");
        var weights = new float[buckets];
        for (var i = 0; i < bytes.Length; i += 6)
        {
            var bucket = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i));
            if (bucket >= buckets) throw new FormatException($"histogram bucket {bucket} is outside the scale's {buckets} buckets");
            weights[bucket] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i + 2));
        }
        return weights;
    }

    private static string ToBase64<T>(T[] values) where T : struct => Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()));

    private static T[] FromBase64<T>(string text) where T : struct => MemoryMarshal.Cast<byte, T>(Convert.FromBase64String(text)).ToArray();

    internal sealed class ProfileDocument
    {
        public int Format { get; set; }
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string Source { get; set; } = "";
        public string BaseImage { get; set; } = "";
        public string? GuestViewMissing { get; set; }
        public double HalfLifeSeconds { get; set; }
        public long? ReferenceUnixSeconds { get; set; }
        public long Samples { get; set; }
        public long MissingSamples { get; set; }
        public long? FirstUnixSeconds { get; set; }
        public long? LastUnixSeconds { get; set; }
        public List<MetricDocument> Metrics { get; set; } = [];
        public string? CpuCycles { get; set; }
        public ApplicationUsageStats? Applications { get; set; }
        public DataFootprintAnalysis? DataFootprint { get; set; }
        public NetworkTrafficProfile? Network { get; set; }
        public UserBehaviorModel? UserBehavior { get; set; }
    }

    internal sealed class MetricDocument
    {
        public Metric Metric { get; set; }
        public long Count { get; set; }
        public double Minimum { get; set; }
        public double Maximum { get; set; }
        public double Latest { get; set; }
        public long LatestUnixSeconds { get; set; }
        public double WeightedSum { get; set; }
        public double WeightedSumOfSquares { get; set; }
        public string Histogram { get; set; } = "";
        public string PeakDays { get; set; } = "";
        public string Peaks { get; set; } = "";
        public string? SeasonalSum { get; set; }
        public string? SeasonalWeight { get; set; }
    }
}
