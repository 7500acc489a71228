using System.Globalization;
using Vmorph.Policies;
using Vmorph.Recommenders;

namespace Vmorph.Triggers;

/// <summary>What the gate decided about an intent.</summary>
public enum GateVerdict
{
    /// <summary>Apply it now.</summary>
    Apply,
    /// <summary>Not now: the cooldown, the day's budget or a closed maintenance window holds it back.</summary>
    Defer,
    /// <summary>A person must approve it first.</summary>
    AwaitApproval,
    /// <summary>Nothing to do: within bounds it changes nothing.</summary>
    NoChange,
}

/// <summary>The gate's decision: the verdict, the allocation to apply (bounded), and why.</summary>
/// <param name="Verdict">The verdict.</param>
/// <param name="Target">The bounded target allocation.</param>
/// <param name="Reason">Why (for a deferral: which rule; the counter name is <c>gate.</c> + <see cref="Rule"/>).</param>
/// <param name="Rule">The rule that decided (<c>bounds</c>, <c>cooldown</c>, <c>max-morphs-per-day</c>, <c>reserve-for-growth</c>, <c>maintenance-window</c>, <c>approval</c>), or null when applied.</param>
public sealed record GateDecision(GateVerdict Verdict, Allocation Target, string Reason, string? Rule = null);

/// <summary>
/// The policy gate every intent passes before it is applied: bounds (clamp), then, except for urgent growth, the
/// maintenance windows and the cooldown; then the day's morph budget (in the policy's time zone), of which
/// <c>reserve-for-growth</c> morphs are kept for urgent growth (a shortfall); then approval, if the policy requires it. Holds the per-VM
/// state the rules need (when the last morph was, how many today, approvals given). Time comes from the caller.
/// </summary>
public sealed class PolicyGate(Policy policy)
{
    private DateTimeOffset? lastMorph;
    private DateOnly today;
    private int morphsToday;
    private readonly HashSet<string> approved = new(StringComparer.Ordinal);

    /// <summary>The policy.</summary>
    public Policy Policy { get; } = policy;

    /// <summary>When the last morph was applied.</summary>
    public DateTimeOffset? LastMorph => lastMorph;

    /// <summary>Morphs applied on the policy's current day.</summary>
    public int MorphsToday(DateTimeOffset now)
    {
        Roll(now);
        return morphsToday;
    }

    /// <summary>The key under which an intent's approval is recorded: its trigger and target.</summary>
    public static string ApprovalKey(Allocation target) =>
        string.Create(CultureInfo.InvariantCulture, $"{target.Cores:0.###}|{target.MemoryMiB:0.#}");

    /// <summary>Records a person's approval of a target (as shown by <see cref="GateDecision.Target"/>).</summary>
    public void Approve(Allocation target) => approved.Add(ApprovalKey(target));

    /// <summary>Decides about moving from <paramref name="current"/> to <paramref name="wanted"/> at <paramref name="now"/>.</summary>
    public GateDecision Decide(DateTimeOffset now, Allocation current, Allocation wanted, bool urgent)
    {
        Roll(now);
        var bounds = Policy.Bounds;
        var target = new Allocation(bounds.ClampCores(wanted.Cores), current.HasMemory ? bounds.ClampMemory(wanted.HasMemory ? wanted.MemoryMiB : current.MemoryMiB) : double.NaN);
        if (target == current) return new GateDecision(GateVerdict.NoChange, current, "no change within bounds", "bounds");
        var grows = target.Cores > current.Cores || (target.HasMemory && target.MemoryMiB > current.MemoryMiB);
        var urgentGrowth = urgent && grows;
        if (Hold(now, target, urgentGrowth) is { } held) return held;
        if (Policy.RequireApproval && !approved.Remove(ApprovalKey(target)))
            return new GateDecision(GateVerdict.AwaitApproval, target, "the policy requires a person's approval", "approval");
        return new GateDecision(GateVerdict.Apply, target, urgentGrowth ? "urgent growth" : "allowed");
    }

    /// <summary>
    /// Decides about a morph to a target profile (workload detection) at <paramref name="now"/>: the maintenance
    /// windows, the cooldown and the day's budget (with its reserve for growth) as for any non-urgent morph. Bounds do
    /// not apply (the target profile sizes the VM) and approval is the caller's, who parks the plan it makes.
    /// </summary>
    public GateDecision DecideProfile(DateTimeOffset now, Allocation current)
    {
        Roll(now);
        return Hold(now, current, urgentGrowth: false) ?? new GateDecision(GateVerdict.Apply, current, "allowed");
    }

    private GateDecision? Hold(DateTimeOffset now, Allocation target, bool urgentGrowth)
    {
        if (!urgentGrowth && Policy.MaintenanceWindows.Count > 0 && !Policy.MaintenanceWindows.Any(w => w.IsOpen(now)))
            return new GateDecision(GateVerdict.Defer, target, "outside every maintenance window", "maintenance-window");
        if (!urgentGrowth && lastMorph is { } last && now - last < Policy.Cooldown)
            return new GateDecision(GateVerdict.Defer, target,
                $"cooldown: the last morph was {ValueParsers.Format(now - last)} ago, the policy waits {ValueParsers.Format(Policy.Cooldown)}", "cooldown");
        if (morphsToday >= Policy.MaxMorphsPerDay)
            return new GateDecision(GateVerdict.Defer, target, $"{morphsToday} morphs today already, the most the policy allows", "max-morphs-per-day");
        if (!urgentGrowth && morphsToday >= Policy.MaxMorphsPerDay - Policy.ReserveForGrowth)
            return new GateDecision(GateVerdict.Defer, target,
                $"the last {Policy.ReserveForGrowth} of today's {Policy.MaxMorphsPerDay} morphs are kept for urgent growth", "reserve-for-growth");
        return null;
    }

    /// <summary>Records that a morph was applied at <paramref name="now"/>.</summary>
    public void Record(DateTimeOffset now)
    {
        Roll(now);
        lastMorph = now;
        morphsToday++;
    }

    private void Roll(DateTimeOffset now)
    {
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Policy.TimeZone).DateTime);
        if (day == today) return;
        today = day;
        morphsToday = 0;
    }
}
