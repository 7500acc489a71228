using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>
/// The seed's <c>DataFootprintAnalysis</c>: file categories with counts and sizes, access recency, and sensitivity by
/// content pattern, from the latest bounded scan. Only counts and categories: never content, never the name of a file
/// found sensitive.
/// </summary>
public sealed record DataFootprintAnalysis
{
    /// <summary>No scan yet.</summary>
    public static DataFootprintAnalysis Empty { get; } = new();

    /// <summary>When the latest scan ran.</summary>
    public DateTimeOffset? ScannedAt { get; init; }

    /// <summary>The latest scan's counts.</summary>
    public FootprintScan? Latest { get; init; }

    /// <summary>Whether a scan was observed.</summary>
    public bool IsObserved => Latest is not null;

    /// <summary>Files in all categories.</summary>
    public long TotalFiles => Latest?.Categories.Values.Sum(c => c.Files) ?? 0;

    /// <summary>Bytes in all categories.</summary>
    public long TotalBytes => Latest?.Categories.Values.Sum(c => c.Bytes) ?? 0;

    /// <summary>The share of bytes in a category, 0 if none.</summary>
    public double ByteShare(string category) =>
        TotalBytes > 0 && Latest!.Categories.TryGetValue(category, out var c) ? (double)c.Bytes / TotalBytes : 0;

    /// <summary>The share of files in a category, 0 if none.</summary>
    public double FileShare(string category) =>
        TotalFiles > 0 && Latest!.Categories.TryGetValue(category, out var c) ? (double)c.Files / TotalFiles : 0;

    /// <summary>The share of files found sensitive, of any kind.</summary>
    public double SensitiveShare => TotalFiles > 0 ? Math.Min(1, (double)(Latest?.Sensitive.Values.Sum() ?? 0) / TotalFiles) : 0;

    /// <summary>Folds the scan of a snapshot, if it carries one.</summary>
    public DataFootprintAnalysis Fold(InventorySnapshot snapshot) =>
        snapshot.Footprint is null ? this : new DataFootprintAnalysis { ScannedAt = snapshot.At, Latest = snapshot.Footprint };
}
