namespace Vmorph.Loop;

/// <summary>
/// The running loop as the API, the dashboard and the CLI (through the API) steer it: one call per thing a person
/// does. Every mutation names the actor (<c>token:alice</c>) so it can be audited; each goes to the VM's grain, so it is
/// ordered with what the loop itself does to that VM. Implemented over the grains by <c>FleetLoop</c>.
/// </summary>
public interface IFleetLoop
{
    /// <summary>Whether the fleet is replayed from a trace (shown wherever results are).</summary>
    bool Replay { get; }

    /// <summary>The loop's view of every VM the store knows, in natural order of names.</summary>
    Task<IReadOnlyList<VmLoopState>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The loop's view of the VMs with these ids (as the store lists them), in the order given: a page of the fleet
    /// asks only its own VMs' grains.
    /// </summary>
    Task<IReadOnlyList<VmLoopState>> StatesAsync(IReadOnlyList<string> vmIds, CancellationToken cancellationToken);

    /// <summary>One VM by id or name, or null.</summary>
    Task<VmLoopState?> GetAsync(string vm, CancellationToken cancellationToken);

    /// <summary>The plans made for a VM, newest first.</summary>
    Task<IReadOnlyList<PlanView>> PlansAsync(string vm, CancellationToken cancellationToken);

    /// <summary>Plans a morph of a VM to a target profile now, without applying it; the plan is kept (state <c>pending</c>) for <see cref="ApplyAsync"/>.</summary>
    Task<LoopResult<PlanView>> PlanAsync(string vm, string target, string actor, CancellationToken cancellationToken);

    /// <summary>Applies a kept plan of a VM (the VM must still have the plan's base configuration); the morph runs on in the background.</summary>
    Task<LoopResult<PlanView>> ApplyAsync(string vm, string planId, string actor, CancellationToken cancellationToken);

    /// <summary>Approves the plan a policy parked for approval, and applies it.</summary>
    Task<LoopResult<PlanView>> ApproveAsync(string vm, string planId, string actor, CancellationToken cancellationToken);

    /// <summary>Rejects the plan a policy parked for approval, recording why.</summary>
    Task<LoopResult<PlanView>> RejectAsync(string vm, string planId, string actor, string reason, CancellationToken cancellationToken);

    /// <summary>Rolls a VM back to the configuration before its last morph; runs on in the background.</summary>
    Task<LoopResult<string>> RollbackAsync(string vm, string actor, CancellationToken cancellationToken);

    /// <summary>Sets (value) or removes (null) labels of a VM; policies are matched again at once.</summary>
    Task<LoopResult<Dictionary<string, string>>> SetLabelsAsync(string vm, IReadOnlyDictionary<string, string?> changes, string actor, CancellationToken cancellationToken);

    /// <summary>Every change from now on, until cancelled (slow readers lose the oldest events, never block the loop).</summary>
    IAsyncEnumerable<LoopEvent> WatchAsync(CancellationToken cancellationToken);
}
