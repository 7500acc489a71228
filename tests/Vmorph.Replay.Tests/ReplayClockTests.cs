using Microsoft.Extensions.Time.Testing;

namespace Vmorph.Replay.Tests;

/// <summary>The replay clock over a fake clock: time and timers run Speed times faster.</summary>
public sealed class ReplayClockTests
{
    private static readonly DateTimeOffset TraceStart = DateTimeOffset.FromUnixTimeSeconds(1372629804);

    [Fact]
    public void Clock_DefaultSpeed_ReplaysOneFiveMinuteStepPerSecond()
    {
        var real = new FakeTimeProvider();
        var clock = new ReplayClock(TraceStart, under: real);

        real.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(ReplayClock.DefaultSpeed, clock.Speed);
        Assert.Same(real, clock.Underneath);
        Assert.Equal(TraceStart + TimeSpan.FromMinutes(10), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(10), clock.Elapsed);
    }

    [Fact]
    public void ElapsedTime_FromTimestamps_IsReplayedTime()
    {
        var real = new FakeTimeProvider();
        var clock = new ReplayClock(TraceStart, 60, real);
        var before = clock.GetTimestamp();

        real.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromMinutes(30), clock.GetElapsedTime(before));
    }

    [Fact]
    public async Task Delay_OfAReplayedCycle_EndsAfterItsShareOfRealTimeAndNotBefore()
    {
        var real = new FakeTimeProvider();
        var clock = new ReplayClock(TraceStart, 300, real);

        var delay = Task.Delay(TimeSpan.FromMinutes(5), clock);
        real.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(delay.IsCompleted);
        real.Advance(TimeSpan.FromMilliseconds(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.GetUtcNow() >= TraceStart + TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void PeriodicTimer_TicksAtTheReplayedPeriod()
    {
        var real = new FakeTimeProvider();
        var clock = new ReplayClock(TraceStart, 100, real);
        var ticks = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref ticks), null, TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100));

        real.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(10, ticks);
        timer.Change(TimeSpan.FromSeconds(1000), TimeSpan.FromSeconds(1000));
        real.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(11, ticks);
    }

    [Fact]
    public void Clock_WithoutASpeed_IsRefusedNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayClock(TraceStart, 0));
        Assert.Contains("replay speed", e.Message, StringComparison.Ordinal);
    }
}
