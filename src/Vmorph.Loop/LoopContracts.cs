namespace Vmorph.Loop;

/// <summary>
/// A VM as the loop sees it now: who it is, what governs it, what it has, what was last decided for it, what waits
/// for a person, and whether a morph is running. What the API's fleet and VM endpoints and the dashboard show beside
/// the stored profile.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VmLoopState
{
    /// <summary>The VM's id (<c>VMID</c>: the domain UUID, or the trace's VM id).</summary>
    [Id(0)] public required string Vm { get; init; }

    /// <summary>Its name.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>Where it is observed from (<c>libvirt:qemu:///system</c>, <c>replay:bitbrains-rnd</c>).</summary>
    [Id(2)] public required string Source { get; init; }

    /// <summary>Whether it is a VM replayed from a trace (not a real one).</summary>
    [Id(3)] public bool Replay { get; init; }

    /// <summary>The domain's state (<c>running</c>, <c>shut-off</c>, ...), or <c>gone</c> once the hypervisor no longer lists it.</summary>
    [Id(4)] public string State { get; init; } = "unknown";

    /// <summary>The policy that governs it, or null when none matches (the loop then only observes).</summary>
    [Id(5)] public string? Policy { get; init; }

    /// <summary>Its labels (from the domain's vmorph metadata and from the API/CLI), by key.</summary>
    [Id(6)] public Dictionary<string, string> Labels { get; init; } = [];

    /// <summary>vCPUs it has now.</summary>
    [Id(7)] public double? Cores { get; init; }

    /// <summary>Memory it has now, MiB.</summary>
    [Id(8)] public double? MemoryMiB { get; init; }

    /// <summary>CPU it used in the latest sample, cores.</summary>
    [Id(9)] public double? CoresUsed { get; init; }

    /// <summary>Memory it used in the latest sample, MiB.</summary>
    [Id(10)] public double? MemoryUsedMiB { get; init; }

    /// <summary>When it was last observed.</summary>
    [Id(11)] public DateTimeOffset? LastObserved { get; init; }

    /// <summary>The latest decision of its triggers that wanted a change (null: none yet).</summary>
    [Id(12)] public DecisionView? LastDecision { get; init; }

    /// <summary>The plan waiting for a person's approval, if any.</summary>
    [Id(13)] public PlanView? Pending { get; init; }

    /// <summary>The id of the morph running now, if any.</summary>
    [Id(14)] public string? MorphInFlight { get; init; }

    /// <summary>Decisions made since the grain was activated, by trigger (<c>resource-demand</c>) and verdict.</summary>
    [Id(15)] public Dictionary<string, long> Counters { get; init; } = [];
}

/// <summary>A decision of a VM's triggers: what they wanted, why, and what the policy gate made of it.</summary>
/// <param name="At">When (the loop's clock).</param>
/// <param name="Trigger">Which trigger (<c>resource-demand</c>, <c>predictive</c>, <c>scheduled</c>, <c>workload-detection</c>).</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Verdict"><c>apply</c>, <c>await-approval</c>, <c>held</c> (by a gate rule) or <c>failed</c> (no plan could be made).</param>
/// <param name="Rule">The gate rule that held it (<c>cooldown</c>, <c>maintenance-window</c>, ...), or the planning error.</param>
/// <param name="Cores">Cores wanted.</param>
/// <param name="MemoryMiB">Memory wanted, MiB.</param>
/// <param name="TargetProfile">Target profile wanted (workload detection, schedules).</param>
/// <param name="PlanId">The plan made for it, if any.</param>
[GenerateSerializer, Immutable]
public sealed record DecisionView(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Trigger,
    [property: Id(2)] string Reason,
    [property: Id(3)] string Verdict,
    [property: Id(4)] string? Rule,
    [property: Id(5)] double? Cores,
    [property: Id(6)] double? MemoryMiB,
    [property: Id(7)] string? TargetProfile,
    [property: Id(8)] string? PlanId)
{
    /// <summary>The workload archetype detected (workload detection only).</summary>
    [Id(9)] public string? Archetype { get; init; }

    /// <summary>The detected archetype's score, 0 to 1: the detection's confidence (workload detection only).</summary>
    [Id(10)] public double? Confidence { get; init; }
}

/// <summary>A plan the loop or a person made for a VM, and what became of it.</summary>
[GenerateSerializer, Immutable]
public sealed record PlanView
{
    /// <summary>The plan's id (a content hash: the same plan has the same id).</summary>
    [Id(0)] public required string PlanId { get; init; }

    /// <summary>The VM.</summary>
    [Id(1)] public required string Vm { get; init; }

    /// <summary>The VM's name.</summary>
    [Id(2)] public required string VmName { get; init; }

    /// <summary>The target profile (a right-size target is named <c>right-size</c>).</summary>
    [Id(3)] public required string Target { get; init; }

    /// <summary>Who made it: a trigger (<c>trigger:resource-demand</c>) or a person (<c>token:alice</c>).</summary>
    [Id(4)] public required string Origin { get; init; }

    /// <summary>Why it was made.</summary>
    [Id(5)] public string Reason { get; init; } = "";

    /// <summary><c>pending</c> (waits for approval), <c>approved</c>, <c>rejected</c>, <c>applied</c>, <c>superseded</c>.</summary>
    [Id(6)] public required string State { get; init; }

    /// <summary>When it was made.</summary>
    [Id(7)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who approved or rejected it, and when.</summary>
    [Id(8)] public string? DecidedBy { get; init; }

    /// <summary>When it was approved or rejected.</summary>
    [Id(9)] public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Why it was rejected.</summary>
    [Id(10)] public string? RejectedBecause { get; init; }

    /// <summary>The morph that applied it.</summary>
    [Id(11)] public string? MorphId { get; init; }

    /// <summary>The plan rendered for people (like <c>terraform plan</c>; what <c>vmorph show</c> prints).</summary>
    [Id(12)] public string Rendered { get; init; } = "";

    /// <summary>The plan file (JSON, format 2), as <c>vmorph plan --out</c> writes it.</summary>
    [Id(13)] public string PlanJson { get; init; } = "";
}

/// <summary>What a loop operation asked of a VM came to.</summary>
public enum LoopStatus
{
    /// <summary>Done.</summary>
    Ok,
    /// <summary>Accepted; it runs on (a morph started in the background).</summary>
    Accepted,
    /// <summary>No such VM, plan or target.</summary>
    NotFound,
    /// <summary>The request is not valid (a bad label, an unknown target, a plan that no longer fits the VM).</summary>
    Invalid,
    /// <summary>The VM's state does not allow it (not pending, already decided, a morph running).</summary>
    Conflict,
}

/// <summary>The result of a loop operation: a status, a message for people, and the value when there is one.</summary>
[GenerateSerializer, Immutable]
public sealed record LoopResult<T>(
    [property: Id(0)] LoopStatus Status,
    [property: Id(1)] string Message,
    [property: Id(2)] T? Value)
{
    /// <summary>Whether it succeeded (done or accepted).</summary>
    public bool Succeeded => Status is LoopStatus.Ok or LoopStatus.Accepted;
}

/// <summary>A change the loop made, for the server-sent-events stream and the dashboard.</summary>
/// <param name="At">When.</param>
/// <param name="Kind"><c>observed</c>, <c>decision</c>, <c>plan</c>, <c>morph</c>, <c>labels</c>, <c>gone</c>.</param>
/// <param name="Vm">The VM.</param>
/// <param name="VmName">Its name.</param>
/// <param name="Summary">One line for people.</param>
[GenerateSerializer, Immutable]
public sealed record LoopEvent(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Vm,
    [property: Id(3)] string VmName,
    [property: Id(4)] string Summary);
