namespace Vmorph.TargetProfiles;

/// <summary>What a size expression measures, which fixes the unit it must evaluate to and how it is rounded.</summary>
public enum SizeKind
{
    /// <summary>A whole number without a unit (vCPUs, IOPS); rounded up.</summary>
    Count,
    /// <summary>Bytes (memory, disk size); written with B, KiB, MiB, GiB or TiB and rounded up to whole MiB.</summary>
    Bytes,
    /// <summary>Bytes per second (disk throughput limits); written with B/s ... TiB/s and rounded up to whole bytes.</summary>
    Rate,
    /// <summary>A share from 0 to 1, written as a percentage (<c>50%</c>) or a fraction (CPU quota per vCPU).</summary>
    Share,
}

/// <summary>Names of <see cref="SizeKind"/>s as messages use them.</summary>
public static class SizeKinds
{
    /// <summary>The noun for a kind in messages: "'12 XB' is not a size".</summary>
    public static string Noun(this SizeKind kind) => kind switch
    {
        SizeKind.Count => "a count",
        SizeKind.Bytes => "a size",
        SizeKind.Rate => "a rate",
        SizeKind.Share => "a share",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
