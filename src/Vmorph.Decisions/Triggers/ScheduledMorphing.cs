using System.Globalization;
using Vmorph.Policies;

namespace Vmorph.Triggers;

/// <summary>
/// The seed's <c>ScheduledMorphing</c>: at each occurrence of a schedule's cron expression (read in its time zone by
/// Cronos, which handles daylight-saving changes: a time skipped by the spring change fires at the change, a time
/// repeated in autumn fires once), the schedule's profile is applied, or, for a <c>restore</c> entry, the VM is handed
/// back to the other triggers. Between occurrences the latest one stays in effect
/// (<see cref="Active"/>). Pure apart from remembering the last instant evaluated.
/// </summary>
public sealed class ScheduledMorphing(ScheduledSettings settings)
{
    private static readonly TimeSpan LookBack = TimeSpan.FromDays(7);
    private DateTimeOffset? lastEvaluated;

    /// <summary>When the schedules were last evaluated (null: never); kept by the loop across restarts.</summary>
    public DateTimeOffset? LastEvaluated => lastEvaluated;

    /// <summary>
    /// Continues from an evaluation made before (by an earlier process): the next <see cref="Evaluate"/> looks for
    /// cron times after <paramref name="lastEvaluated"/>, so a time missed while the loop was down still fires, once.
    /// </summary>
    public void ResumeFrom(DateTimeOffset lastEvaluated) => this.lastEvaluated = lastEvaluated;

    /// <summary>The schedule in effect (the latest occurrence seen), or null when none is (or a restore was the latest).</summary>
    public ScheduleEntry? Active { get; private set; }

    /// <summary>
    /// Evaluates at <paramref name="now"/>: an intent if a schedule occurred since the last evaluation (at the first
    /// evaluation, in the 7 days before), for the latest such occurrence; otherwise null.
    /// </summary>
    public MorphIntent? Evaluate(DateTimeOffset now)
    {
        var from = lastEvaluated ?? now - LookBack;
        lastEvaluated = now;
        if (now <= from) return null;
        ScheduleEntry? latest = null;
        DateTimeOffset latestAt = default;
        foreach (var entry in settings.Schedules)
        {
            // The last occurrence in (from, now].
            DateTimeOffset? last = null;
            foreach (var at in entry.Cron.GetOccurrences(from, now, entry.TimeZone, fromInclusive: false, toInclusive: true)) last = at;
            if (last is { } l && (latest is null || l >= latestAt))
            {
                latest = entry;
                latestAt = l;
            }
        }
        if (latest is null) return null;
        Active = latest.Restore ? null : latest;
        var local = TimeZoneInfo.ConvertTime(latestAt, latest.TimeZone);
        var when = string.Create(CultureInfo.InvariantCulture, $"{local:yyyy-MM-dd HH:mm} {latest.TimeZone.Id}");
        return latest.Restore
            ? new MorphIntent(TriggerKind.Scheduled, now, null, null, null, $"schedule '{latest.Name}' ('{latest.CronText}') at {when}: restore")
            : new MorphIntent(TriggerKind.Scheduled, now, latest.Cores, latest.MemoryMiB, latest.Name, $"schedule '{latest.Name}' ('{latest.CronText}') at {when}");
    }
}
