using Microsoft.Extensions.Time.Testing;
using Vmorph.Triggers;

namespace Vmorph.Decisions.Tests.Triggers;

public class ScheduledMorphingTests
{
    /// <summary>Steps a fake clock every 5 minutes through a period and records when the trigger fired.</summary>
    private static List<(DateTimeOffset At, MorphIntent Intent)> Run(ScheduledMorphing trigger, DateTimeOffset from, DateTimeOffset to)
    {
        var clock = new FakeTimeProvider(from);
        var fired = new List<(DateTimeOffset, MorphIntent)>();
        trigger.Evaluate(clock.GetUtcNow());
        while (clock.GetUtcNow() < to)
        {
            clock.Advance(TimeSpan.FromMinutes(5));
            if (trigger.Evaluate(clock.GetUtcNow()) is { } intent) fired.Add((clock.GetUtcNow(), intent));
        }
        return fired;
    }

    private static ScheduledMorphing Trigger(string zone, string nightCron, string dayCron) => new(TestPolicies.Parse($$"""
        policies:
          - name: office
            time-zone: {{zone}}
            triggers:
              scheduled:
                schedules:
                  - { name: night, cron: "{{nightCron}}", cpu: 1, memory: 2GiB }
                  - { name: day, cron: "{{dayCron}}", restore: true }
        """).Scheduled!);

    [Fact]
    public void NightAt22_DayAt06_Amsterdam_FollowsTheSpringChangeOfClocks()
    {
        // Europe/Amsterdam moves from UTC+1 to UTC+2 at 2024-03-31 02:00 local.
        var fired = Run(Trigger("Europe/Amsterdam", "0 22 * * *", "0 6 * * *"),
            new DateTimeOffset(2024, 3, 29, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 4, 1, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(
            [
                ("night", new DateTimeOffset(2024, 3, 29, 21, 0, 0, TimeSpan.Zero)),
                ("day", new DateTimeOffset(2024, 3, 30, 5, 0, 0, TimeSpan.Zero)),
                ("night", new DateTimeOffset(2024, 3, 30, 21, 0, 0, TimeSpan.Zero)),
                ("day", new DateTimeOffset(2024, 3, 31, 4, 0, 0, TimeSpan.Zero)),   // 06:00 CEST
                ("night", new DateTimeOffset(2024, 3, 31, 20, 0, 0, TimeSpan.Zero)), // 22:00 CEST
                ("day", new DateTimeOffset(2024, 4, 1, 4, 0, 0, TimeSpan.Zero)),
            ],
            fired.Select(f => (f.Intent.TargetProfile ?? "day", f.At)));
        var night = fired[0].Intent;
        Assert.Equal(TriggerKind.Scheduled, night.Trigger);
        Assert.Equal(1, night.Cores);
        Assert.Equal(2048, night.MemoryMiB);
        Assert.Contains("Europe/Amsterdam", night.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NightAt22_DayAt06_NewYork_FollowsTheAutumnChangeOfClocks()
    {
        // America/New_York moves from UTC-4 to UTC-5 at 2024-11-03 02:00 local.
        var fired = Run(Trigger("America/New_York", "0 22 * * *", "0 6 * * *"),
            new DateTimeOffset(2024, 11, 2, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 11, 4, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(
            [
                new DateTimeOffset(2024, 11, 3, 2, 0, 0, TimeSpan.Zero),  // 22:00 EDT on the 2nd
                new DateTimeOffset(2024, 11, 3, 11, 0, 0, TimeSpan.Zero), // 06:00 EST on the 3rd
                new DateTimeOffset(2024, 11, 4, 3, 0, 0, TimeSpan.Zero),  // 22:00 EST on the 3rd
                new DateTimeOffset(2024, 11, 4, 11, 0, 0, TimeSpan.Zero),
            ],
            fired.Select(f => f.At));
    }

    [Fact]
    public void ATimeSkippedBySpringForward_FiresAtTheChange_AndARepeatedTimeFiresOnce()
    {
        // 02:30 does not exist in Amsterdam on 2024-03-31: Cronos fires at 03:00 CEST (01:00 UTC).
        var spring = Run(Trigger("Europe/Amsterdam", "30 2 * * *", "0 12 * * *"),
            new DateTimeOffset(2024, 3, 30, 12, 30, 0, TimeSpan.Zero), new DateTimeOffset(2024, 3, 31, 11, 0, 0, TimeSpan.Zero));
        Assert.Equal([new DateTimeOffset(2024, 3, 31, 1, 0, 0, TimeSpan.Zero)], spring.Where(f => f.Intent.TargetProfile == "night").Select(f => f.At));

        // 01:30 happens twice in New York on 2024-11-03: it fires once, at the first.
        var autumn = Run(Trigger("America/New_York", "30 1 * * *", "0 12 * * *"),
            new DateTimeOffset(2024, 11, 3, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 11, 3, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal([new DateTimeOffset(2024, 11, 3, 5, 30, 0, TimeSpan.Zero)], autumn.Where(f => f.Intent.TargetProfile == "night").Select(f => f.At));
    }

    [Fact]
    public void FirstEvaluation_PicksUpTheScheduleInEffect()
    {
        var trigger = Trigger("UTC", "0 22 * * *", "0 6 * * *");
        var intent = trigger.Evaluate(new DateTimeOffset(2024, 5, 1, 23, 0, 0, TimeSpan.Zero));
        Assert.Equal("night", intent?.TargetProfile);
        Assert.Equal("night", trigger.Active?.Name);
        Assert.Null(trigger.Evaluate(new DateTimeOffset(2024, 5, 1, 23, 5, 0, TimeSpan.Zero)));
    }
}
