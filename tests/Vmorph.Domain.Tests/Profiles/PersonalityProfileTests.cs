using CsCheck;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Traits;
using Vmorph.Units;

namespace Vmorph.Domain.Tests.Profiles;

public class PersonalityProfileTests
{
    private static PersonalityProfile NewProfile() => new(new VmId("test:1"), "1", "test");

    [Fact]
    public void Fold_InBatchesWithStoreRoundTripsBetween_EqualsFoldingAllAtOnce()
    {
        var samples = Samples.Series(20, Samples.OfficeHours);
        Gen.Int[1, samples.Count - 1].Array[1, 5].Sample(cuts =>
        {
            var whole = NewProfile();
            foreach (var s in samples) whole.Fold(s);

            // As an import does, file by file: fold a batch, store the profile, load it, fold the next.
            var batched = NewProfile();
            var start = 0;
            foreach (var cut in cuts.Distinct().Order().Append(samples.Count))
            {
                foreach (var s in samples.Skip(start).Take(cut - start)) batched.Fold(s);
                batched = ProfileCodec.Decode(ProfileCodec.Encode(batched));
                start = cut;
            }
            return ProfileCodec.Encode(whole).AsSpan().SequenceEqual(ProfileCodec.Encode(batched));
        }, iter: 20);
    }

    [Fact]
    public void TraitVector_ObservationsShuffled_IsTheSame()
    {
        var samples = Samples.Series(14, Samples.OfficeHours);
        var inOrder = NewProfile();
        foreach (var s in samples) inOrder.Fold(s);
        var expected = TraitScorer.Score(inOrder, ArchetypeCatalog.BuiltIn);

        Gen.Int.Sample(seed =>
        {
            var shuffled = samples.ToArray();
            new Random(seed).Shuffle(shuffled);
            var profile = NewProfile();
            foreach (var s in shuffled) profile.Fold(s);
            var actual = TraitScorer.Score(profile, ArchetypeCatalog.BuiltIn);
            return expected.Traits.All(t => Math.Abs(t.Score - actual[t.Trait]!.Score) < 1e-4);
        }, iter: 10);
    }

    [Fact]
    public void EncodedSize_BoundedWhateverTheHistoryAndUnder16KiB()
    {
        int Size(int days)
        {
            var profile = NewProfile();
            foreach (var s in Samples.Series(days, Samples.Noise(0, 1))) profile.Fold(s);
            return ProfileCodec.Encode(profile).Length;
        }
        var year = Size(365);
        var twoYears = Size(730);
        // Only which histogram buckets are non-empty can change the size, and their number is fixed by the scales.
        Assert.InRange(twoYears, year * 0.98, year * 1.02);
        // About 10 KiB of summaries and 4.4 KiB of cycle rings (3.3 KiB of half-precision means and runs of counts, in base64).
        Assert.True(twoYears <= 16 * 1024, $"a two-year profile encodes to {twoYears} bytes, over 16 KiB");
    }

    [Fact]
    public void Fold_MissingObservation_IsCountedAndAddsNoSample()
    {
        var profile = NewProfile();
        profile.Fold(new MissingObservation(profile.Id, Samples.Monday, "trace row of zeros"));
        Assert.Equal(1, profile.Performance.MissingSamples);
        Assert.Equal(0, profile.Performance.Samples);
        Assert.Empty(profile.Performance.Measured);
    }

    [Fact]
    public void DailyPeaks_KeepTheLatestFourteenDaysWhateverTheOrder()
    {
        var samples = Samples.Series(30, Samples.Noise(0, 1));
        var forward = new DailyPeaks();
        var backward = new DailyPeaks();
        foreach (var s in samples) forward.Add(s.UnixSeconds, s[Metric.CpuUtilisation]);
        foreach (var s in Enumerable.Reverse(samples)) backward.Add(s.UnixSeconds, s[Metric.CpuUtilisation]);
        Assert.Equal(DailyPeaks.Days, forward.Values().Count);
        Assert.Equal(forward.Values(), backward.Values());
        Assert.Equal(Samples.Monday.AddDays(16), forward.Values()[0].Day);
    }

    [Fact]
    public void DailyPeaks_AreTheLatestFourteenDaysHighestValues_InAnyOrder_AndSurviveStoring()
    {
        // Days jump ahead, step back and repeat; the oracle keeps every day's highest value and reads the window last.
        var random = new Random(14);
        var peaks = new DailyPeaks();
        var highest = new Dictionary<int, float>();
        var day = 20_000;
        for (var i = 0; i < 3000; i++)
        {
            day += random.Next(8) switch { 0 => random.Next(1, 20), 1 => -random.Next(1, 20), _ => 0 };
            var value = random.NextDouble() * 100;
            peaks.Add(day, value);
            highest[day] = Math.Max(highest.GetValueOrDefault(day, float.MinValue), (float)value);
            if (i % 50 != 0) continue;
            var latest = highest.Keys.Max();
            var expected = highest.Where(h => h.Key > latest - DailyPeaks.Days).OrderBy(h => h.Key)
                .Select(h => (DateTimeOffset.FromUnixTimeSeconds(h.Key * 86400L), (double)h.Value)).ToList();
            Assert.Equal(expected, peaks.Values());
            // As a stored profile holds them: each slot's day and peak.
            var (days, values) = peaks.Copy();
            Assert.Equal(expected, new DailyPeaks(days, values).Values());
        }
    }

    [Fact]
    public void RecentSamples_KeepNewestAndRoundTrip()
    {
        var window = new RecentSamples(100);
        var samples = Samples.Series(2, Samples.Noise(0, 1));
        window.AddRange(samples.AsEnumerable().Reverse());
        Assert.Equal(100, window.Samples.Count);
        Assert.Equal(samples[^1].UnixSeconds, window.Samples[^1].UnixSeconds);
        Assert.Equal(samples[^100].UnixSeconds, window.Samples[0].UnixSeconds);
        var decoded = RecentSamples.Decode(window.Encode());
        Assert.Equal(window.Samples.Select(s => s.UnixSeconds), decoded.Samples.Select(s => s.UnixSeconds));
        Assert.Equal((float)window.Samples[5][Metric.DiskWrite], (float)decoded.Samples[5][Metric.DiskWrite]);

        // What a grain keeps once its samples are saved: the latest.
        window.KeepNewest(1);
        Assert.Equal(samples[^1].UnixSeconds, Assert.Single(window.Samples).UnixSeconds);
    }

    [Fact]
    public void RecentSamples_AnAppendedSample_RoundTripsExactly_SoThatFoldingItAgainGivesTheSameProfile()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var samples = Samples.Series(2, Samples.OfficeHours).Append(
            new MetricSample(at, cpu: new CpuCores(0.1234567891), cpuAllocated: new CpuCores(3), memory: new MemorySize(1_234_567_891.5),
                memoryAllocated: new MemorySize(4_294_967_296), cpuDemand: new CpuCores(0.3333333333))).ToList();
        var decoded = samples.Select(s => RecentSamples.DecodeSample(RecentSamples.EncodeSample(s))).ToList();
        Assert.Equal(samples, decoded);

        var live = NewProfile();
        foreach (var s in samples) live.Fold(s);
        var refolded = NewProfile();
        foreach (var s in decoded) refolded.Fold(s);
        Assert.Equal(ProfileCodec.Encode(live), ProfileCodec.Encode(refolded));
    }

    [Fact]
    public void RecentSamples_DecodeSample_ReadsARecordOfTheWindowFormat_AsAppendedBeforeFullPrecision()
    {
        var window = new RecentSamples(1);
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        window.AddRange([new MetricSample(at, cpu: new CpuCores(0.5), cpuAllocated: new CpuCores(2), cpuDemand: new CpuCores(0.75))]);
        var record = window.Encode()[8..];
        var sample = RecentSamples.DecodeSample(record);
        Assert.Equal(at.ToUnixTimeSeconds(), sample.UnixSeconds);
        Assert.Equal(0.5, sample.Cpu!.Value.Value);
        Assert.Equal(0.75, sample.CpuDemand!.Value.Value);
        Assert.Throws<FormatException>(() => RecentSamples.DecodeSample(record[..^1]));
    }

    [Fact]
    public void RecentSamples_RoundTripTheCpuDemand_AndLeaveItAbsentWhereNotMeasured()
    {
        var window = new RecentSamples(10);
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        window.AddRange([
            new MetricSample(at, cpu: new CpuCores(0.4), cpuAllocated: new CpuCores(1), cpuDemand: new CpuCores(1.03)),
            new MetricSample(at.AddSeconds(5), cpu: new CpuCores(0.5), cpuAllocated: new CpuCores(1)),
        ]);
        var decoded = RecentSamples.Decode(window.Encode());
        Assert.Equal(1.03f, (float)decoded.Samples[0].CpuDemand!.Value.Value);
        Assert.Equal(0.4f, (float)decoded.Samples[0].Cpu!.Value.Value);
        Assert.Null(decoded.Samples[1].CpuDemand);
        Assert.Equal(10, decoded.Capacity);
    }

    [Fact]
    public void RecentSamples_DecodeAWindowOfTheFirstFormat_WithoutDemand()
    {
        // The first format: the capacity, then per sample the time, the 8 metrics and the CPU and memory allocated.
        var bytes = new byte[4 + 48];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, 7);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), 1_800_000_000);
        for (var m = 0; m < 10; m++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(12 + 4 * m), float.NaN);
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(12 + 4 * (int)Metric.Cpu), 0.75f);
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(12 + 4 * 8), 2f);
        var decoded = RecentSamples.Decode(bytes);
        var sample = Assert.Single(decoded.Samples);
        Assert.Equal(7, decoded.Capacity);
        Assert.Equal(0.75, sample.Cpu!.Value.Value);
        Assert.Equal(2, sample.CpuAllocated!.Value.Value);
        Assert.Null(sample.CpuDemand);
    }
}
