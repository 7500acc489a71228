using System.Globalization;
using System.Text.Json.Serialization;
using Vmorph.Recommenders;
using Vmorph.Store;
using Vmorph.TargetProfiles;

namespace Vmorph.Loop.Grains;

/// <summary>What a VM's loop keeps across restarts beside its profile.</summary>
/// <param name="SchedulesCheckedAt">When its schedules were last evaluated: a cron time after it fires after a restart, once.</param>
/// <param name="Gone">Whether the hypervisor no longer lists it.</param>
public sealed record LoopStateDocument(DateTimeOffset? SchedulesCheckedAt = null, bool Gone = false);

/// <summary>The loop's own JSON.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LoopStateDocument))]
internal sealed partial class LoopJson : JsonSerializerContext;

/// <summary>The states of a kept plan.</summary>
public static class PlanStates
{
    /// <summary>Made, not applied: waits for approval (a policy's) or for a person to apply it.</summary>
    public const string Pending = "pending";
    /// <summary>Approved (or applied by a person): its morph runs.</summary>
    public const string Approved = "approved";
    /// <summary>Rejected, with a reason.</summary>
    public const string Rejected = "rejected";
    /// <summary>Applied and committed.</summary>
    public const string Applied = "applied";
    /// <summary>Applied, then rolled back (the guard, or a failed step).</summary>
    public const string RolledBack = "rolled-back";
    /// <summary>Could not be applied (refused: the VM changed since; busy; an error).</summary>
    public const string Failed = "failed";
    /// <summary>Replaced by a newer plan of its trigger before anyone approved it.</summary>
    public const string Superseded = "superseded";
}

/// <summary>Kept plans as the API shows them.</summary>
public static class PlanViews
{
    /// <summary>The view of a kept plan.</summary>
    public static PlanView From(StoredPlan p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new PlanView
        {
            PlanId = p.PlanId,
            Vm = p.Vm.Value,
            VmName = p.VmName,
            Target = p.Target,
            Origin = p.Origin,
            Reason = p.Reason,
            State = p.State,
            CreatedAt = p.CreatedAt,
            DecidedBy = p.DecidedBy,
            DecidedAt = p.DecidedAt,
            RejectedBecause = p.RejectedBecause,
            MorphId = p.MorphId,
            Rendered = p.Rendered,
            PlanJson = p.PlanJson,
        };
    }
}

/// <summary>
/// The target profile a resource intent becomes: whole vCPUs (the hypervisor's unit; a fraction of a core rounds up)
/// and memory to the MiB. Named <c>right-size</c>. The grain's policy engine rounds its wants to <see cref="Grid"/>
/// before its gate, so a want that rounds to what the VM has never counts as a morph.
/// </summary>
public static class RightSizeTarget
{
    /// <summary>The target's name.</summary>
    public const string Name = "right-size";

    /// <summary>What a right-size target can set: whole vCPUs (at least 1), memory to the MiB (at least 64 MiB).</summary>
    public static AllocationGrid Grid { get; } = new(1, 1, 1, 64);

    /// <summary>The target for <paramref name="wanted"/>, or null when, rounded, it is what the VM has.</summary>
    public static TargetProfile? For(Allocation wanted, Allocation current)
    {
        var vcpus = Math.Max(1, (int)Math.Ceiling(wanted.Cores - 1e-9));
        var cpuChanges = vcpus != (int)Math.Round(current.Cores);
        var memoryMiB = wanted.HasMemory ? Math.Max(64, Math.Round(wanted.MemoryMiB)) : double.NaN;
        var memoryChanges = wanted.HasMemory && (!current.HasMemory || Math.Abs(memoryMiB - current.MemoryMiB) >= 1);
        if (!cpuChanges && !memoryChanges) return null;
        var resources = new TargetResources
        {
            Vcpus = cpuChanges ? SizeExpression.Parse(vcpus.ToString(CultureInfo.InvariantCulture), SizeKind.Count).Value : null,
            Memory = memoryChanges ? SizeExpression.Parse(string.Create(CultureInfo.InvariantCulture, $"{memoryMiB:0}MiB"), SizeKind.Bytes).Value : null,
        };
        return new TargetProfile
        {
            Name = Name,
            Description = "the allocation the policy's triggers want",
            Source = "vmorph serve",
            Resources = resources,
        };
    }
}

