using Vmorph.Forecasting;

namespace Vmorph.Decisions.Tests.Forecasting;

public class UsageHistoryTests
{
    [Fact]
    public void NewHistory_HoldsRoomForItsStepsOnly_NotItsWholeCapacity()
    {
        var history = new UsageHistory();
        for (var i = 0; i < 100; i++) history.Add(i * 300, i);

        Assert.Equal(2016 + 288, history.Capacity);
        Assert.Equal(128, history.Slots);
    }

    [Fact]
    public void GrowingHistory_AnswersAsAListOfItsLatestSteps_BeforeAndAfterItIsFull()
    {
        const int capacity = 100;
        var history = new UsageHistory(capacity, halfPrecision: true);
        var all = new List<(long Time, double Value)>();
        var random = new Random(11);
        for (var i = 0; i < 3 * capacity; i++)
        {
            var value = i % 17 == 0 ? double.NaN : random.NextDouble() * 8;
            history.Add(i * 300L, value);
            all.Add((i * 300L, value));
            var kept = all.Skip(Math.Max(0, all.Count - capacity)).ToList();

            Assert.Equal(kept.Count, history.Count);
            Assert.Equal(all.Count, history.Total);
            Assert.Equal(kept[^1].Time, history.LatestTime);
            for (var age = 0; age < kept.Count; age++)
            {
                Assert.Equal(AsHeld(kept[^(age + 1)].Value), history.Back(age));
                Assert.Equal(kept[^(age + 1)].Time, history.TimeBack(age));
            }
            Assert.True(double.IsNaN(history.Back(kept.Count)));
            var (times, values) = history.Steps();
            Assert.Equal(kept.Select(k => k.Time), times);
            Assert.Equal(kept.Select(k => AsHeld(k.Value)), values);
            var lastTen = kept.Skip(Math.Max(0, kept.Count - 10)).Select(s => AsHeld(s.Value)).Where(v => !double.IsNaN(v)).ToList();
            Assert.Equal(lastTen.Count == 0 ? double.NaN : lastTen.Max(), history.Window(10).Max);
            var since = (i - 30) * 300L;
            var after = kept.Where(s => s.Time > since && !double.IsNaN(s.Value)).Select(s => AsHeld(s.Value)).ToList();
            Assert.Equal(after.Count == 0 ? double.NaN : after.Max(), history.MaxSince(since));
        }
        Assert.Equal(capacity, history.Slots);

        // A value as a half-precision history holds it: the least half at or above it.
        static double AsHeld(double value) => (double)(Half)value >= value || double.IsNaN(value) ? (double)(Half)value : (double)Half.BitIncrement((Half)value);
    }

    [Fact]
    public void History_KeepsTimesAsOffsetsFromItsFirst_AndAnswersInUnixSeconds_FarFromZero()
    {
        var history = new UsageHistory(10);
        const long start = 4_000_000_000L; // beyond a 32-bit count of seconds since 1970
        for (var i = 0; i < 20; i++) history.Add(start + i * 300L, i);

        Assert.Equal(start + 19 * 300L, history.LatestTime);
        Assert.Equal(start + 10 * 300L, history.TimeBack(9));
        Assert.Equal(19, history.MaxSince(long.MinValue));
        Assert.Equal(19, history.MaxSince(start + 18 * 300L));
        Assert.True(double.IsNaN(history.MaxSince(start + 19 * 300L)));
        Assert.True(double.IsNaN(history.MaxSince(long.MaxValue)));
    }

    [Theory]
    [InlineData(0.123456789)]
    [InlineData(65_536.123456789)]
    [InlineData(1_048_576.3)]
    public void History_KeepsValuesToTheNearestFloat_SevenSignificantDigits(double value)
    {
        var history = new UsageHistory();
        history.Add(0, value);
        history.Add(300, double.NaN);

        Assert.False(history.HalfPrecision);
        Assert.Equal((float)value, history.Back(1));
        Assert.Equal(value, history.Back(1), value * 6e-8);
        Assert.True(double.IsNaN(history.Back(0)));
        Assert.Equal((float)value, history.Window(2).Max);
    }

    [Theory]
    [InlineData(0.123456789)]
    [InlineData(1.0)]
    [InlineData(7.3)]
    [InlineData(0.000_123)]
    [InlineData(63.999)]
    [InlineData(65_000.4)]
    public void HalfPrecisionHistory_KeepsValuesToTheHalfAtOrAboveThem_ElevenSignificantBits(double value)
    {
        var history = new UsageHistory(halfPrecision: true);
        history.Add(0, value);
        history.Add(300, double.NaN);
        history.Add(600, -value);

        var held = history.Back(2);
        Assert.True(held >= value, $"{held} held for {value}");
        Assert.Equal(value, held, value / 1024);
        // The half it holds is the least at or above the value: the one below it is below the value.
        Assert.True((double)Half.BitDecrement((Half)held) < value);
        Assert.True(double.IsNaN(history.Back(1)));
        Assert.True(history.Back(0) >= -value);
        Assert.Equal(held, history.Window(3).Max);
    }

    [Fact]
    public void Times_WithGapsTooLargeForSixteenBits_OrBackInTime_AreKeptExactly_AsTheRingWraps()
    {
        // Gaps of 5 minutes, of 18 hours and more (65,535 s and up), of 95 years, and one back in time: every time
        // must come back as it was added, while the ring wraps past the large gaps several times.
        const int capacity = 7;
        var history = new UsageHistory(capacity);
        var all = new List<long>();
        long[] gaps = [300, 65_534, 65_535, 300, 3_000_000_000L, -600, 300, 86_400, 300, 300, 300, 300, 300, 65_536, 300, 300, 300, 300, 300, 300, 300];
        var t = 1_700_000_000L;
        for (var i = 0; i < gaps.Length; i++)
        {
            if (i > 0) t += gaps[i];
            history.Add(t, i);
            all.Add(t);
            var kept = all.Skip(Math.Max(0, all.Count - capacity)).ToList();
            Assert.Equal(kept[^1], history.LatestTime);
            for (var age = 0; age < kept.Count; age++) Assert.Equal(kept[^(age + 1)], history.TimeBack(age));
            Assert.Equal(kept, history.Steps().Times);
            // MaxSince walks back through the same times (the values are the steps' indexes).
            var since = kept[0] + (kept[^1] - kept[0]) / 2;
            var after = Enumerable.Range(0, kept.Count).Where(k => kept[k] > since).Select(k => (double)(all.Count - kept.Count + k)).ToList();
            var walked = history.MaxSince(since);
            if (kept.Skip(1).Zip(kept).All(p => p.First >= p.Second)) Assert.Equal(after.Count == 0 ? double.NaN : after.Max(), walked);
        }
        Assert.Equal(gaps.Length, history.Total);
    }

    [Fact]
    public void EvenSteps_HoldNoJitter_AndJitteredOnes_AreKeptExactly_ThroughGrowthAndWrap()
    {
        // A replay's steps are all the step apart: no byte a step is held. A live timer's jitter by a few seconds, a
        // missed cycle, a gap back in time, a first gap of nothing before any step is known: every time must come back
        // as it was added, as the ring grows and wraps.
        var even = new UsageHistory(100);
        for (var i = 0; i < 250; i++) even.Add(1_700_000_000L + 300L * i, i);
        Assert.Equal(0, even.JitterBytes);
        Assert.Equal(Enumerable.Range(150, 100).Select(i => 1_700_000_000L + 300L * i), even.Steps().Times);

        var random = new Random(5);
        const int capacity = 40;
        var history = new UsageHistory(capacity);
        var all = new List<long>();
        var t = 1_700_000_000L;
        for (var i = 0; i < 300; i++)
        {
            if (i == 1) t += 0; // two steps at the same second before the step is known
            else if (i == 2) t -= 5;
            else if (i > 0)
                t += random.Next(10) switch
                {
                    0 => 300 + random.Next(-127, 128),
                    1 => 300 + random.Next(-1000, 1000),
                    2 => 600,
                    _ => 300,
                };
            history.Add(t, i);
            all.Add(t);
            var kept = all.Skip(Math.Max(0, all.Count - capacity)).ToList();
            Assert.Equal(kept, history.Steps().Times);
            for (var age = 0; age < kept.Count; age += 7) Assert.Equal(kept[^(age + 1)], history.TimeBack(age));
        }
        Assert.Equal(2, history.JitterBytes);
    }

    [Fact]
    public void JitterOfASecondOrTwo_TakesAByteAStep_AndRareGapsOffByMore_AreKeptWhole_NotWidened()
    {
        var history = new UsageHistory(50);
        var all = new List<long>();
        var t = 1_700_000_000L;
        for (var i = 0; i < 120; i++)
        {
            t += i == 0 ? 0 : i == 60 ? 86_400 : i == 61 ? -30 : 300 + i % 3 - 1;
            history.Add(t, i);
            all.Add(t);
            Assert.Equal(all.TakeLast(50), history.Steps().Times);
        }
        Assert.Equal(1, history.JitterBytes);
    }

    [Theory]
    [InlineData(2304)] // the engine's CPU history: it grows, and the step is chosen again at each fill
    [InlineData(12)] // the memory history: a few hours, full before it ever grows
    public void AFirstGapOffByTheFirstCyclesWait_DoesNotBecomeTheStep_TheUsualGapDoes(int capacity)
    {
        // A collector's first cycle reads its counters twice, a wait apart, and the next cycle comes an interval after
        // the first began: the first gap is 300 s plus the wait (205 replayed seconds here), every later one 300 s
        // with a timer's jitter of a second or two. Held against the first gap, every later one would differ by more
        // than a byte holds; held against the usual gap, by a byte. Every time still comes back as it was added.
        var history = new UsageHistory(capacity);
        var random = new Random(3);
        var all = new List<long>();
        var t = 1_700_000_000L;
        for (var i = 0; i < 3000; i++)
        {
            t += i == 0 ? 0 : i == 1 ? 505 : 300 + random.Next(-2, 3);
            history.Add(t, i);
            all.Add(t);
            if (i % 97 == 0 || i < 40) Assert.Equal(all.TakeLast(capacity), history.Steps().Times);
        }
        Assert.Equal(all.TakeLast(capacity), history.Steps().Times);
        Assert.Equal(1, history.JitterBytes);
    }

    [Fact]
    public void Shrinking_KeepsTheLatestSteps_AsTheyWere_AndCountingGoesOn()
    {
        // A week of jittered steps with a few gaps kept whole, then shrunk to two days, then more steps: every time and
        // value comes back as it was added, Total counts every step ever added, and the ring wraps at its new capacity.
        var history = new UsageHistory(2032, halfPrecision: true);
        var random = new Random(11);
        var all = new List<(long Time, double Value)>();
        var t = 1_700_000_000L;
        void Add(int i)
        {
            t += i == 0 ? 0 : i % 500 == 0 ? 3600 : 300 + random.Next(-3, 4);
            var value = (double)(Half)(random.NextDouble() * 8);
            history.Add(t, value);
            all.Add((t, value));
        }
        for (var i = 0; i < 2500; i++) Add(i);
        history.Shrink(592);
        Assert.Equal(592, history.Capacity);
        Assert.Equal(2500, history.Total);
        Assert.Equal(all.TakeLast(592).Select(s => s.Time), history.Steps().Times);
        Assert.Equal(all.TakeLast(592).Select(s => s.Value), history.Steps().Values);
        for (var i = 2500; i < 3700; i++)
        {
            Add(i);
            if (i % 41 == 0) Assert.Equal(all.TakeLast(592).Select(s => s.Time), history.Steps().Times);
        }
        Assert.Equal(all.TakeLast(592).Select(s => s.Time), history.Steps().Times);
        Assert.Equal(all.TakeLast(592).Select(s => s.Value), history.Steps().Values);
        Assert.Equal(3700, history.Total);
        Assert.Equal(1, history.JitterBytes);
    }
}
