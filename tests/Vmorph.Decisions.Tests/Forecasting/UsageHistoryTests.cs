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
        var history = new UsageHistory(capacity);
        var all = new List<(long Time, double Value)>();
        var random = new Random(11);
        for (var i = 0; i < 3 * capacity; i++)
        {
            var value = i % 17 == 0 ? double.NaN : random.NextDouble() * 8;
            history.Add(i * 300L, value);
            all.Add((i * 300L, (float)value));
            var kept = all.Skip(Math.Max(0, all.Count - capacity)).ToList();

            Assert.Equal(kept.Count, history.Count);
            Assert.Equal(all.Count, history.Total);
            Assert.Equal(kept[^1].Time, history.LatestTime);
            for (var age = 0; age < kept.Count; age++)
            {
                Assert.Equal(kept[^(age + 1)].Value, history.Back(age));
                Assert.Equal(kept[^(age + 1)].Time, history.TimeBack(age));
            }
            Assert.True(double.IsNaN(history.Back(kept.Count)));
            var lastTen = kept.Skip(Math.Max(0, kept.Count - 10)).Select(s => s.Value).Where(v => !double.IsNaN(v)).ToList();
            Assert.Equal(lastTen.Count == 0 ? double.NaN : lastTen.Max(), history.Window(10).Max);
            var since = (i - 30) * 300L;
            var after = kept.Where(s => s.Time > since && !double.IsNaN(s.Value)).Select(s => s.Value).ToList();
            Assert.Equal(after.Count == 0 ? double.NaN : after.Max(), history.MaxSince(since));
        }
        Assert.Equal(capacity, history.Slots);
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

        Assert.Equal((float)value, history.Back(1));
        Assert.Equal(value, history.Back(1), value * 6e-8);
        Assert.True(double.IsNaN(history.Back(0)));
        Assert.Equal((float)value, history.Window(2).Max);
    }

    [Fact]
    public void Step_MoreThan68YearsFromTheFirst_IsRefused_NamingIt()
    {
        var history = new UsageHistory();
        history.Add(0, 1);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => history.Add(3_000_000_000L, 1));
        Assert.Contains("68 years", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, history.Count);
    }
}
