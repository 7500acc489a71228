using Orleans.Concurrency;

namespace Vmorph.Loop.Grains;

/// <summary>
/// One VM's loop (keyed by its <c>VMID</c>): folds its observations into its profile, runs its policy's triggers,
/// turns their intents into plans and runs the morphs, and answers people's requests about it. One activation per VM
/// in the cluster; the store's versions and leases guard it as well.
/// </summary>
public interface IVmGrain : IGrainWithStringKey
{
    /// <summary>Folds one cycle's observations of the VM (from the collector) and decides.</summary>
    Task<ObservationResult> ObserveAsync(ObservationMessage message);

    /// <summary>The loop's view of the VM now.</summary>
    [AlwaysInterleave]
    Task<VmLoopState> GetStateAsync();

    /// <summary>Runs the triggers now (the timer does this when no observation comes).</summary>
    Task DecideAsync();

    /// <summary>Plans a morph to a target profile and keeps the plan (pending) without applying it.</summary>
    Task<LoopResult<PlanView>> PlanAsync(string target, string actor);

    /// <summary>Applies a kept plan; the morph runs on in the background.</summary>
    Task<LoopResult<PlanView>> ApplyAsync(string planId, string actor);

    /// <summary>Approves the plan a policy parked for approval, and applies it.</summary>
    Task<LoopResult<PlanView>> ApproveAsync(string planId, string actor);

    /// <summary>Rejects a parked plan, recording why.</summary>
    Task<LoopResult<PlanView>> RejectAsync(string planId, string actor, string reason);

    /// <summary>Rolls the VM back to its configuration before its last morph; runs on in the background.</summary>
    Task<LoopResult<string>> RollbackAsync(string actor);

    /// <summary>Sets (value) or removes (null) labels; the policy is matched again.</summary>
    Task<LoopResult<Dictionary<string, string>>> SetLabelsAsync(Dictionary<string, string?> changes, string actor);

    /// <summary>The hypervisor no longer lists the VM.</summary>
    Task MarkGoneAsync();

    /// <summary>A morph this grain started has ended (called by the morph's background task).</summary>
    Task MorphFinishedAsync(MorphReport report);
}

/// <summary>How a background morph ended.</summary>
/// <param name="PlanId">The plan it applied (null for a rollback).</param>
/// <param name="Kind"><c>apply</c> or <c>rollback</c>.</param>
/// <param name="Result">The engine's result (<c>committed</c>, <c>rolled-back</c>, <c>failed</c>, <c>refused</c>, <c>busy</c>, <c>stopped</c>).</param>
/// <param name="Message">The engine's message.</param>
/// <param name="MorphId">The morph's id, when one was journaled.</param>
/// <param name="Verdict">The guard's decision, when it gave one.</param>
[GenerateSerializer, Immutable]
public sealed record MorphReport(
    [property: Id(0)] string? PlanId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Result,
    [property: Id(3)] string Message,
    [property: Id(4)] string? MorphId,
    [property: Id(5)] string? Verdict);
