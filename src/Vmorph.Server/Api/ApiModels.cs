using Vmorph.Loop;
using Vmorph.Views;

namespace Vmorph.Server.Api;

/// <summary>A page of a list: <c>total</c> items in all, these from <c>offset</c>, at most <c>limit</c> of them.</summary>
/// <typeparam name="T">The items' type.</typeparam>
public record Page<T>(int Total, int Offset, int Limit, IReadOnlyList<T> Items);

/// <summary>A page of the fleet; <c>replay</c> says whether the fleet is replayed from a trace.</summary>
public sealed record FleetPage(bool Replay, int Total, int Offset, int Limit, IReadOnlyList<FleetItem> Items) : Page<FleetItem>(Total, Offset, Limit, Items);

/// <summary>
/// A VM in the fleet: what the store knows of it (samples, workload, traits) and what the loop knows (state, policy,
/// labels, allocation and usage now, the last decision, the plan waiting for approval, the morph running).
/// </summary>
public record FleetItem
{
    /// <summary>The VM's id (VMID).</summary>
    public required string Id { get; init; }

    /// <summary>Its name.</summary>
    public required string Name { get; init; }

    /// <summary>Where it is observed from.</summary>
    public required string Source { get; init; }

    /// <summary>Whether it is replayed from a trace.</summary>
    public bool Replay { get; init; }

    /// <summary>The domain's state (<c>running</c>, <c>gone</c>, ...), or <c>unknown</c> when the loop has not seen it.</summary>
    public string State { get; init; } = "unknown";

    /// <summary>The policy that governs it, if any.</summary>
    public string? Policy { get; init; }

    /// <summary>Its labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>vCPUs now.</summary>
    public double? Cores { get; init; }

    /// <summary>Memory now, MiB.</summary>
    public double? MemoryMiB { get; init; }

    /// <summary>CPU used in the latest sample, cores.</summary>
    public double? CoresUsed { get; init; }

    /// <summary>Memory used in the latest sample, MiB.</summary>
    public double? MemoryUsedMiB { get; init; }

    /// <summary>When the loop last observed it.</summary>
    public DateTimeOffset? LastObserved { get; init; }

    /// <summary>Samples folded into its profile.</summary>
    public long Samples { get; init; }

    /// <summary>Its latest sample's time in the profile.</summary>
    public DateTimeOffset? LastSample { get; init; }

    /// <summary>Configuration versions recorded.</summary>
    public int ConfigurationVersions { get; init; }

    /// <summary>Its workload (or <c>unknown</c>).</summary>
    public required WorkloadJson Workload { get; init; }

    /// <summary>Its strongest traits, strongest first (<c>?traits=N</c>, 3 by default; <c>all</c> for every one).</summary>
    public required IReadOnlyList<TraitJson> Traits { get; init; }

    /// <summary>The plan waiting for approval, if any.</summary>
    public PlanView? Pending { get; init; }

    /// <summary>The morph running now, if any.</summary>
    public string? MorphInFlight { get; init; }

    /// <summary>The latest decision of its triggers that wanted a change.</summary>
    public DecisionView? LastDecision { get; init; }
}

/// <summary>One VM: its fleet item and its whole profile (as <c>vmorph profile -o json</c> prints it).</summary>
public sealed record VmDetail : FleetItem
{
    /// <summary>The whole personality profile.</summary>
    public required ProfileJson Profile { get; init; }
}

/// <summary>Usage against allocation over the raw window, oldest first.</summary>
/// <param name="Id">The VM's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="StepSeconds">The usual time between two points (the median), or null with fewer than two.</param>
/// <param name="Points">The samples.</param>
public sealed record UsageJson(string Id, string Name, long? StepSeconds, IReadOnlyList<UsagePoint> Points);

/// <summary>One sample: use and allocation; null where it was not measured.</summary>
/// <param name="At">When.</param>
/// <param name="CoresUsed">CPU in use, cores.</param>
/// <param name="Cores">CPU allocated, cores.</param>
/// <param name="MemoryUsedMiB">Memory in use, MiB.</param>
/// <param name="MemoryMiB">Memory allocated, MiB.</param>
/// <param name="CpuShort">Whether the CPU in use exceeded the CPU allocated (a shortfall).</param>
/// <param name="MemoryShort">Whether the memory in use exceeded the memory allocated.</param>
public sealed record UsagePoint(DateTimeOffset At, double? CoresUsed, double? Cores, double? MemoryUsedMiB, double? MemoryMiB, bool CpuShort, bool MemoryShort);

/// <summary>The body of <c>POST /api/v1/vms/{vm}/plans</c>.</summary>
/// <param name="Target">The target profile to plan for (<c>GET /api/v1/targets</c> lists them).</param>
public sealed record PlanRequest(string? Target);

/// <summary>The body of <c>POST .../reject</c>.</summary>
/// <param name="Reason">Why the plan is rejected (recorded with it).</param>
public sealed record RejectRequest(string? Reason);

/// <summary>The answer of <c>POST /api/v1/vms/{vm}/rollback</c>.</summary>
/// <param name="MorphId">The rollback morph started.</param>
public sealed record RollbackAccepted(string MorphId);

/// <summary>A policy as the API lists it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Description">What it is for.</param>
/// <param name="Source">Where it is defined (<c>built-in vmorph.yaml</c>, <c>policies/NAME.yaml</c>).</param>
/// <param name="Match">Which VMs it governs.</param>
/// <param name="Triggers">The triggers it turns on.</param>
/// <param name="RequireApproval">Whether a person approves each morph.</param>
/// <param name="TimeZone">The time zone of its schedules and windows.</param>
public sealed record PolicyJson(string Name, string Description, string Source, PolicyMatchJson Match, IReadOnlyList<string> Triggers, bool RequireApproval, string TimeZone);

/// <summary>Which VMs a policy governs: name patterns and labels.</summary>
/// <param name="Names">Glob patterns on the VM's name or id.</param>
/// <param name="Labels">Labels the VM must all have.</param>
public sealed record PolicyMatchJson(IReadOnlyList<string> Names, IReadOnlyDictionary<string, string> Labels);

/// <summary>The answer of a successful validation: what the document defines.</summary>
/// <typeparam name="T">Policies or targets.</typeparam>
/// <param name="Valid">Always true (an invalid document is a 422 problem listing every error).</param>
/// <param name="Items">What the document defines.</param>
public sealed record ValidationJson<T>(bool Valid, IReadOnlyList<T> Items);

/// <summary>The answer of a successful upload: what was stored, where, and whether it replaced a file.</summary>
/// <typeparam name="T">Policies or targets.</typeparam>
/// <param name="Name">The file's name without extension.</param>
/// <param name="File">Where it is stored, relative to the data directory (<c>policies/NAME.yaml</c>).</param>
/// <param name="Replaced">Whether a file of that name was replaced.</param>
/// <param name="Items">What the file defines.</param>
public sealed record UploadJson<T>(string Name, string File, bool Replaced, IReadOnlyList<T> Items);

/// <summary>A page of the audit trail, newest first; <c>more</c> says whether older entries follow.</summary>
/// <param name="Offset">The first entry's position.</param>
/// <param name="Limit">At most this many.</param>
/// <param name="More">Whether older entries follow.</param>
/// <param name="Items">The entries.</param>
public sealed record AuditPage(int Offset, int Limit, bool More, IReadOnlyList<Access.AuditEntry> Items);
