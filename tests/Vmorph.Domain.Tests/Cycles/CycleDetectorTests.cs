using Vmorph.Observations;
using Vmorph.Cycles;
using Vmorph.Identity;
using Vmorph.Profiles;

namespace Vmorph.Domain.Tests.Cycles;

public class CycleDetectorTests
{
    private static readonly long Monday = Samples.Monday.ToUnixTimeSeconds();

    /// <summary>
    /// Six weeks of five-minute CPU shares: a level of 0.3, AR(1) noise (φ = 0.8, deviation 0.04), a spike of +0.4 on
    /// 0.5 % of samples, a level shift of +0.1 after the second week, plus <paramref name="cycle"/> of the time.
    /// </summary>
    private static CycleHistory Series(Func<double, double> cycle, int seed, double phi = 0.8, int weeks = 6)
    {
        var random = new Random(seed);
        var history = new CycleHistory();
        var noise = 0.0;
        for (var i = 0; i < weeks * 7 * 288; i++)
        {
            var hours = i / 12.0;
            noise = phi * noise + 0.04 * Math.Sqrt(1 - phi * phi) * Gaussian(random);
            var spike = random.NextDouble() < 0.005 ? 0.4 : 0;
            var shift = hours >= 14 * 24 ? 0.1 : 0;
            history.Add(Monday + i * 300L, Math.Clamp(0.3 + noise + spike + shift + cycle(hours), 0, 1));
        }
        return history;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Sine(double hours, double period, double amplitude = 0.04) => amplitude * Math.Sin(2 * Math.PI * hours / period);

    private static double Pulse(double hours, double period, double width, double height = 0.1) => hours % period < width ? height : 0;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Detect_Planted24HourCycleUnderNoiseSpikesAndAShift_IsNamedPT24H(int seed)
    {
        var cycle = CycleDetector.Detect(Series(h => Sine(h, 24), seed));

        Assert.NotNull(cycle);
        Assert.Equal("PT24H", cycle.IsoPeriod);
        Assert.InRange(cycle.Strength, 0.05, 1);
        Assert.True(cycle.PValue < CycleDetector.Significance);
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.5)]
    [InlineData(3, 0.9)]
    [InlineData(4, 0.97)]
    [InlineData(5, 0.8)]
    public void Detect_WhiteOrAutocorrelatedNoiseWithSpikesAndAShift_NamesNoCycle(int seed, double phi)
    {
        Assert.Null(CycleDetector.Detect(Series(_ => 0, seed, phi)));
    }

    [Fact]
    public void Detect_12HourCycleThatAlsoRepeatsEvery24Hours_IsNamed12H()
    {
        // A two-hour pulse every 12 hours repeats every 24 hours too (its every second harmonic is a 24-hour one).
        var cycle = CycleDetector.Detect(Series(h => Pulse(h, 12, 2), 7));

        Assert.NotNull(cycle);
        Assert.Equal("PT12H", cycle.IsoPeriod);
    }

    [Fact]
    public void Detect_DailyPulse_IsNamed24HNotADivisor()
    {
        // A narrow pulse holds as much power in its odd harmonics as in its even ones: 12 h does not explain it.
        var cycle = CycleDetector.Detect(Series(h => Pulse(h, 24, 2), 8));

        Assert.NotNull(cycle);
        Assert.Equal("PT24H", cycle.IsoPeriod);
    }

    [Fact]
    public void Detect_DailyCycleWithQuietWeekends_IsNamed24H()
    {
        var cycle = CycleDetector.Detect(Series(h => h % 168 < 120 ? Sine(h, 24, 0.08) : 0, 9));

        Assert.NotNull(cycle);
        Assert.Equal("PT24H", cycle.IsoPeriod);
    }

    [Theory]
    [InlineData(1, "PT1H")]
    [InlineData(6, "PT6H")]
    [InlineData(168, "PT168H")]
    public void Detect_PlantedSmoothCycle_IsNamedByItsPeriod(double hours, string expected)
    {
        var cycle = CycleDetector.Detect(Series(h => Sine(h, hours, 0.05), 10));

        Assert.NotNull(cycle);
        Assert.Equal(expected, cycle.IsoPeriod);
    }

    [Fact]
    public void Detect_TwoDaysOfHistory_NamesNoWeeklyCycleButFindsAnHourlyOne()
    {
        var history = new CycleHistory();
        for (var i = 0; i < 2 * 288; i++) history.Add(Monday + i * 300L, 0.3 + Sine(i / 12.0, 1, 0.1));

        Assert.Equal("PT1H", CycleDetector.Detect(history)?.IsoPeriod);
        Assert.Null(CycleDetector.Detect(new CycleHistory()));
    }

    [Fact]
    public void Detect_ThreeWeeksOfADailyCycle_IsNamedPT24HBeforeTheRingsFill()
    {
        // Too young for a week's detrending window: the longest period searched shrinks to a fifth of the history.
        var cycle = CycleDetector.Detect(Series(h => Sine(h, 24), 11, weeks: 3));

        Assert.Equal("PT24H", cycle?.IsoPeriod);
    }

    [Fact]
    public void Detect_FlatSeries_NamesNoCycle()
    {
        var history = new CycleHistory();
        for (var i = 0; i < 6 * 7 * 288; i++) history.Add(Monday + i * 300L, 0.25);

        Assert.Null(CycleDetector.Detect(history));
    }

    [Fact]
    public void Ring_SamplesInAnyOrder_HoldTheSameBins()
    {
        var times = Enumerable.Range(0, 3000).Select(i => (Time: Monday + i * 300L, Value: (i % 17) / 17.0)).ToArray();
        var inOrder = new CycleRing(3600, 48);
        foreach (var (t, v) in times) inOrder.Add(t, v);
        var shuffled = times.ToArray();
        new Random(3).Shuffle(shuffled);
        var anyOrder = new CycleRing(3600, 48);
        foreach (var (t, v) in shuffled) anyOrder.Add(t, v);

        Assert.Equal(inOrder.NewestBin, anyOrder.NewestBin);
        // A mean is kept at half precision (11 significant bits): the order moves it by a few units of the last place.
        var (a, b) = (inOrder.Means(), anyOrder.Means());
        Assert.Equal(a.Length, b.Length);
        Assert.All(a.Zip(b), m => Assert.True(Math.Abs(m.First - m.Second) <= Math.ScaleB(Math.Max(m.First, m.Second), -8), $"{m.First} and {m.Second}"));
        // Only the newest 48 hours are kept: the oldest bin is 47 hours before the newest.
        Assert.Equal(48, inOrder.Means().Length);
        Assert.False(double.IsNaN(inOrder.Means()[0]));
    }

    [Fact]
    public void Ring_MeansOfItsBins_AreTheSamplesMeans_ToHalfPrecision()
    {
        var ring = new CycleRing(3600, 24);
        double[] values = [0.1, 0.7, 0.25, 0.9, 0.33, 0.5, 0.61, 0.05, 0.44, 0.8, 0.2, 0.66];
        for (var i = 0; i < values.Length; i++) ring.Add(Monday + 300L * i, values[i]);

        Assert.Equal(values.Average(), ring.Means()[^1], Math.ScaleB(values.Average(), -9));
        Assert.Equal(23, ring.Means().Count(double.IsNaN));
    }

    [Fact]
    public void Ring_BinsOfManySamples_CountThemAll_AfterBinsOfFew()
    {
        // Five-minute samples (12 an hour, counts held in four bits), then minute samples (60 an hour, past what four
        // bits hold): every bin's mean is still the mean of all its samples, and the counts survive encoding.
        var ring = new CycleRing(3600, 24);
        for (var i = 0; i < 12; i++) ring.Add(Monday + 300L * i, i % 2);
        for (var i = 0; i < 60; i++) ring.Add(Monday + 3600 + 60L * i, i);

        Assert.Equal(0.5, ring.Means()[^2], 1e-3);
        Assert.Equal(29.5, ring.Means()[^1], 29.5 / 512);
        var decoded = CycleRing.Decode(ring.Encode(), 3600, 24, out _);
        Assert.Equal(ring.Encode(), decoded.Encode());
        decoded.Add(Monday + 3600 + 3599, 61);
        Assert.Equal((59 * 60 / 2.0 + 61) / 61, decoded.Means()[^1], 30.0 / 512);
    }

    [Fact]
    public void Ring_FirstFormat_ReadsBackTheSameMeans()
    {
        // The first format: the newest bin, then every bin's float sum, then every bin's 16-bit count.
        const int length = 24;
        var bytes = new byte[CycleRing.FirstFormatBytes(length)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes, 1000);
        for (var i = 0; i < length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + 4 * i), i % 3 == 0 ? 0 : 12 * (i / 100f));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8 + 4 * length + 2 * i), (ushort)(i % 3 == 0 ? 0 : 12));
        }

        var ring = CycleRing.DecodeFirstFormat(bytes, 3600, length);

        Assert.Equal(1000, ring.NewestBin);
        var means = ring.Means();
        for (var bin = 1000 - length + 1; bin <= 1000; bin++)
        {
            var slot = bin % length;
            var mean = means[bin - (1000 - length + 1)];
            if (slot % 3 == 0) Assert.True(double.IsNaN(mean));
            else Assert.Equal(slot / 100.0, mean, Math.ScaleB(slot / 100.0, -10));
        }
    }

    [Fact]
    public void History_StoredInTheFirstFormat_DecodesToTheSameMeans()
    {
        var history = Series(h => Sine(h, 24), seed: 4);
        var fine = history.Fine.Means();
        var coarse = history.Coarse.Means();
        var firstFormat = FirstFormat(history.Fine).Concat(FirstFormat(history.Coarse)).ToArray();

        var decoded = CycleHistory.Decode(firstFormat);

        Assert.Equal(fine, decoded.Fine.Means());
        Assert.Equal(coarse, decoded.Coarse.Means());
        Assert.Equal(CycleDetector.Detect(history)?.IsoPeriod, CycleDetector.Detect(decoded)?.IsoPeriod);
    }

    // A ring as the first format wrote it (a bin's sum as its mean times its count), to read it back as a stored profile would.
    private static byte[] FirstFormat(CycleRing ring)
    {
        var bytes = new byte[CycleRing.FirstFormatBytes(ring.Length)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes, ring.NewestBin!.Value);
        var means = ring.Means();
        for (var i = 0; i < ring.Length; i++)
        {
            var bin = ring.NewestBin.Value - ring.Length + 1 + i;
            var slot = (int)(bin % ring.Length);
            var count = double.IsNaN(means[i]) ? 0 : 2;
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + 4 * slot), count == 0 ? 0 : (float)(means[i] * count));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8 + 4 * ring.Length + 2 * slot), (ushort)count);
        }
        return bytes;
    }

    [Fact]
    public void Ring_ASampleOlderThanTheWindow_IsDropped()
    {
        var ring = new CycleRing(3600, 24);
        ring.Add(Monday + 100 * 3600, 1);
        ring.Add(Monday + 10 * 3600, 5);

        Assert.Equal(1, ring.Means().Count(m => !double.IsNaN(m)));
        Assert.Equal(1, ring.Means()[^1]);
    }

    [Fact]
    public void Codec_RoundTrip_KeepsTheCycleRings()
    {
        var profile = new PersonalityProfile(new VmId("test:1"), "1", "test");
        foreach (var s in Samples.Series(42, (at, r) => 0.3 + 0.2 * Math.Sin(2 * Math.PI * at.Hour / 24.0) + 0.05 * r.NextDouble())) profile.Fold(s);

        var loaded = ProfileCodec.Decode(ProfileCodec.Encode(profile));

        Assert.Equal(profile.Performance.Cycles.Coarse.Means(), loaded.Performance.Cycles.Coarse.Means());
        Assert.Equal(profile.Performance.Cycles.Fine.Means(), loaded.Performance.Cycles.Fine.Means());
        Assert.Equal("PT24H", CycleDetector.Detect(loaded.Performance.Cycles)?.IsoPeriod);
    }

    [Fact]
    public void Codec_ADocumentStoredBeforeTheCycleRings_LoadsWithEmptyRings()
    {
        var profile = new PersonalityProfile(new VmId("test:1"), "1", "test");
        foreach (var s in Samples.Series(3, Samples.OfficeHours)) profile.Fold(s);
        var json = System.Text.Json.Nodes.JsonNode.Parse(ProfileCodec.Encode(profile))!.AsObject();
        Assert.True(json.Remove("cpuCycles"), "the document has its cycle rings under cpuCycles");

        var loaded = ProfileCodec.Decode(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));

        Assert.True(loaded.Performance.Cycles.IsEmpty);
        Assert.Equal(profile.Performance.Samples, loaded.Performance.Samples);
        Assert.Null(CycleDetector.Detect(loaded.Performance.Cycles));
    }

    [Fact]
    public void Codec_ADocumentWhoseRingsHeldUtilisation_LoadsWithEmptyRings_AndKeepsTheRest()
    {
        // Before format 3 the rings held CPU utilisation; mixed with cores wanted they would show a level shift at the
        // upgrade. Such a document loads with empty rings; today's keeps them.
        var profile = new PersonalityProfile(new VmId("test:1"), "1", "test");
        foreach (var s in Samples.Series(3, Samples.OfficeHours)) profile.Fold(s);
        var json = System.Text.Json.Nodes.JsonNode.Parse(ProfileCodec.Encode(profile))!.AsObject();
        Assert.Equal(ProfileCodec.FormatVersion, (int)json["format"]!);
        var today = ProfileCodec.Decode(ProfileCodec.Encode(profile));
        Assert.False(today.Performance.Cycles.IsEmpty);
        json["format"] = 2;

        var loaded = ProfileCodec.Decode(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));

        Assert.True(loaded.Performance.Cycles.IsEmpty);
        Assert.Equal(profile.Performance.Samples, loaded.Performance.Samples);
        Assert.Equal(today.Performance[Metric.Cpu]!.Percentile(0.95), loaded.Performance[Metric.Cpu]!.Percentile(0.95));
    }

    [Theory]
    [InlineData(24.0, "PT24H")]
    [InlineData(1.5, "PT1H30M")]
    [InlineData(134.4, "PT134H24M")]
    [InlineData(0.5, "PT30M")]
    public void FormatIso_WritesHoursAndMinutes(double hours, string expected)
    {
        Assert.Equal(expected, DominantCycle.FormatIso(TimeSpan.FromHours(hours)));
    }
}
