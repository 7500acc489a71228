using Vmorph.Observations;

namespace Vmorph.Cycles;

/// <summary>
/// What a profile keeps to find a VM's dominant cycle: CPU use in two rings, ten-minute bins over the last 4½ days for
/// cycles of 1 to 6 hours and hourly bins over the last 6 weeks for cycles of 6 hours to a week (each ring holds two
/// longest periods more than it analyses, which the detrending window takes). 4.1 KiB a VM whatever the history (2½ bytes
/// a bin while every bin has fewer than 16 samples, as at five-minute samples; 3 bytes otherwise: <see cref="CycleRing"/>),
/// none before the first sample; about 3.3 KiB encoded.
/// The cores the VM wanted are kept (its use plus the time its vCPUs waited for the host, where the source tells;
/// otherwise its use), else the CPU utilisation (the detector is scale-free): the workload's cycle is in its demand,
/// not in its share of an allocation that morphs change (a utilisation series jumps by a factor at every resize, which
/// the detector's additive level-shift removal does not undo).
/// </summary>
public sealed class CycleHistory
{
    /// <summary>The fine ring's bin width: ten minutes.</summary>
    public static TimeSpan FineBin { get; } = TimeSpan.FromMinutes(10);

    /// <summary>The coarse ring's bin width: an hour.</summary>
    public static TimeSpan CoarseBin { get; } = TimeSpan.FromHours(1);

    /// <summary>Bins of the fine ring: 4 days analysed plus a 12-hour detrending window.</summary>
    public const int FineLength = 4 * 144 + 72;

    /// <summary>Bins of the coarse ring: 4 weeks analysed plus a two-week detrending window.</summary>
    public const int CoarseLength = 6 * 168;

    /// <summary>Creates empty rings.</summary>
    public CycleHistory()
        : this(new CycleRing((long)FineBin.TotalSeconds, FineLength), new CycleRing((long)CoarseBin.TotalSeconds, CoarseLength))
    {
    }

    private CycleHistory(CycleRing fine, CycleRing coarse)
    {
        Fine = fine;
        Coarse = coarse;
    }

    /// <summary>Ten-minute bins, for cycles of 1 to 6 hours.</summary>
    public CycleRing Fine { get; }

    /// <summary>Hourly bins, for cycles of 6 hours to a week.</summary>
    public CycleRing Coarse { get; }

    /// <summary>Whether any sample was added.</summary>
    public bool IsEmpty => Coarse.NewestBin is null;

    /// <summary>Adds a CPU value measured at a time.</summary>
    public void Add(long unixSeconds, double value)
    {
        Fine.Add(unixSeconds, value);
        Coarse.Add(unixSeconds, value);
    }

    /// <summary>Adds the cores a sample's VM wanted (<see cref="MetricSample.CpuWanted"/>), or its CPU utilisation where it has no cores.</summary>
    public void Add(in MetricSample sample)
    {
        var value = sample.CpuWanted?.Value ?? double.NaN;
        if (double.IsNaN(value)) value = sample[Metric.CpuUtilisation];
        if (!double.IsNaN(value)) Add(sample.UnixSeconds, value);
    }

    /// <summary>Encodes both rings (fine, then coarse), each as <see cref="CycleRing.Encode"/> writes it.</summary>
    public byte[] Encode() => [.. Fine.Encode(), .. Coarse.Encode()];

    /// <summary>
    /// Reads rings written by <see cref="Encode"/>, or in the first format (a float sum and a 16-bit count a bin, 9,952
    /// bytes in all), which profiles stored before hold: the compact format never reaches that size.
    /// </summary>
    public static CycleHistory Decode(ReadOnlySpan<byte> bytes)
    {
        var fineSeconds = (long)FineBin.TotalSeconds;
        var coarseSeconds = (long)CoarseBin.TotalSeconds;
        var firstFine = CycleRing.FirstFormatBytes(FineLength);
        if (bytes.Length == firstFine + CycleRing.FirstFormatBytes(CoarseLength))
        {
            return new CycleHistory(
                CycleRing.DecodeFirstFormat(bytes[..firstFine], fineSeconds, FineLength),
                CycleRing.DecodeFirstFormat(bytes[firstFine..], coarseSeconds, CoarseLength));
        }
        var fine = CycleRing.Decode(bytes, fineSeconds, FineLength, out var fineRead);
        var coarse = CycleRing.Decode(bytes[fineRead..], coarseSeconds, CoarseLength, out var coarseRead);
        if (fineRead + coarseRead != bytes.Length)
            throw new FormatException($"the cycle rings take {fineRead + coarseRead} bytes, not {bytes.Length}");
        return new CycleHistory(fine, coarse);
    }
}
