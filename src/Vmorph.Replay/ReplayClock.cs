namespace Vmorph.Replay;

/// <summary>
/// The clock of a replayed fleet: starts at the trace's start and runs <see cref="Speed"/> times faster than the clock
/// under it (real time, or a fake clock in tests). Timers are scaled the same way, so <c>Task.Delay(interval, clock)</c>,
/// the collector's cycle and the morph engine's windows all run accelerated: at the default speed (300) one 5-minute
/// trace step passes in one second of real time. Both the wall clock (<see cref="GetUtcNow"/>) and the monotonic
/// timestamp (<see cref="GetTimestamp"/>) come from the underlying clock's timestamp, so rates computed from either agree.
/// </summary>
public sealed class ReplayClock : TimeProvider
{
    /// <summary>The default speed: one 5-minute trace step per second of real time.</summary>
    public const double DefaultSpeed = 300;

    private readonly TimeProvider under;
    private readonly long underStart;

    /// <summary>A clock at <paramref name="start"/> running <paramref name="speed"/> times faster than <paramref name="under"/> (real time when null).</summary>
    public ReplayClock(DateTimeOffset start, double speed = DefaultSpeed, TimeProvider? under = null)
    {
        if (!double.IsFinite(speed) || speed <= 0)
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "the replay speed must be a positive number (300: one 5-minute step per second)");
        Start = start.ToUniversalTime();
        Speed = speed;
        this.under = under ?? System;
        underStart = this.under.GetTimestamp();
    }

    /// <summary>The replayed instant the clock started at.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>How many times faster than the underlying clock it runs.</summary>
    public double Speed { get; }

    /// <summary>
    /// The clock underneath (real time in production): for what must not be accelerated, such as how long a collection
    /// cycle's work took, which on this clock is <see cref="Speed"/> times longer than the CPU and the disk spent on it.
    /// </summary>
    public TimeProvider Underneath => under;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long TimestampFrequency => under.TimestampFrequency;

    /// <summary>Replayed time elapsed since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(ElapsedTicks());

    private long ElapsedTicks()
    {
        var underElapsed = (under.GetTimestamp() - underStart) / (double)under.TimestampFrequency;
        return (long)Math.Round(underElapsed * Speed * TimeSpan.TicksPerSecond);
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => Start + TimeSpan.FromTicks(ElapsedTicks());

    /// <inheritdoc />
    public override long GetTimestamp() => (long)Math.Round((under.GetTimestamp() - underStart) * Speed);

    /// <summary>The span of the underlying clock in which <paramref name="replayed"/> passes here (rounded up, so a timer never fires early).</summary>
    public TimeSpan Underlying(TimeSpan replayed)
    {
        if (replayed == Timeout.InfiniteTimeSpan) return replayed;
        if (replayed <= TimeSpan.Zero) return TimeSpan.Zero;
        return TimeSpan.FromTicks((long)Math.Ceiling(replayed.Ticks / Speed));
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(this, under.CreateTimer(callback, state, Underlying(dueTime), Underlying(period)));

    private sealed class ScaledTimer(ReplayClock clock, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.Underlying(dueTime), clock.Underlying(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
