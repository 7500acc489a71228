using System.Collections.Concurrent;
using Vmorph.Identity;
using Vmorph.Loop.Grains;
using Vmorph.Loop.Hosting;
using Vmorph.Profiles;

namespace Vmorph.Loop;

/// <summary><see cref="IFleetLoop"/> over the VM grains: each request goes to the VM's grain, ordered with the loop's own work on it.</summary>
public sealed class FleetLoop(IGrainFactory grains, LoopServices services) : IFleetLoop
{
    private const int Parallelism = 64;

    /// <inheritdoc />
    public bool Replay => services.Settings.Replay;

    /// <inheritdoc />
    public async Task<IReadOnlyList<VmLoopState>> ListAsync(CancellationToken cancellationToken)
    {
        var vms = await services.Store.ListAsync(cancellationToken);
        return await StatesAsync([.. vms.Select(v => v.Id.Value)], cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<VmLoopState>> StatesAsync(IReadOnlyList<string> vmIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vmIds);
        var states = new VmLoopState[vmIds.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, vmIds.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, _) => states[i] = await grains.GetGrain<IVmGrain>(vmIds[i]).GetStateAsync());
        return states;
    }

    private async Task<IVmGrain?> FindAsync(string vm, CancellationToken cancellationToken)
    {
        var stored = await services.Store.FindAsync(vm, cancellationToken);
        return stored is null ? null : grains.GetGrain<IVmGrain>(stored.Profile.Id.Value);
    }

    private static LoopResult<T> NoSuchVm<T>(string vm) => new(LoopStatus.NotFound, $"no VM '{vm}' in the store", default);

    /// <inheritdoc />
    public async Task<VmLoopState?> GetAsync(string vm, CancellationToken cancellationToken) =>
        await FindAsync(vm, cancellationToken) is { } grain ? await grain.GetStateAsync() : null;

    /// <inheritdoc />
    public async Task<IReadOnlyList<PlanView>> PlansAsync(string vm, CancellationToken cancellationToken)
    {
        var stored = await services.Store.FindAsync(vm, cancellationToken);
        if (stored is null) return [];
        var plans = await services.Control.PlansAsync(stored.Profile.Id, 0, 500, cancellationToken);
        return [.. plans.Select(PlanViews.From)];
    }

    /// <inheritdoc />
    public async Task<LoopResult<PlanView>> PlanAsync(string vm, string target, string actor, CancellationToken cancellationToken) =>
        await FindAsync(vm, cancellationToken) is { } grain ? await grain.PlanAsync(target, actor) : NoSuchVm<PlanView>(vm);

    /// <inheritdoc />
    public async Task<LoopResult<PlanView>> ApplyAsync(string vm, string planId, string actor, CancellationToken cancellationToken) =>
        await FindAsync(vm, cancellationToken) is { } grain ? await grain.ApplyAsync(planId, actor) : NoSuchVm<PlanView>(vm);

    /// <inheritdoc />
    public async Task<LoopResult<PlanView>> ApproveAsync(string vm, string planId, string actor, CancellationToken cancellationToken) =>
        await FindAsync(vm, cancellationToken) is { } grain ? await grain.ApproveAsync(planId, actor) : NoSuchVm<PlanView>(vm);

    /// <inheritdoc />
    public async Task<LoopResult<PlanView>> RejectAsync(string vm, string planId, string actor, string reason, CancellationToken cancellationToken) =>
        await FindAsync(vm, cancellationToken) is { } grain ? await grain.RejectAsync(planId, actor, reason) : NoSuchVm<PlanView>(vm);

    /// <inheritdoc />
    public async Task<LoopResult<string>> RollbackAsync(string vm, string actor, CancellationToken cancellationToken) =>
        await FindAsync(vm, cancellationToken) is { } grain ? await grain.RollbackAsync(actor) : NoSuchVm<string>(vm);

    /// <inheritdoc />
    public async Task<LoopResult<Dictionary<string, string>>> SetLabelsAsync(string vm, IReadOnlyDictionary<string, string?> changes, string actor, CancellationToken cancellationToken) =>
        await FindAsync(vm, cancellationToken) is { } grain
            ? await grain.SetLabelsAsync(new Dictionary<string, string?>(changes, StringComparer.Ordinal), actor)
            : NoSuchVm<Dictionary<string, string>>(vm);

    /// <inheritdoc />
    public IAsyncEnumerable<LoopEvent> WatchAsync(CancellationToken cancellationToken) => services.Events.WatchAsync(cancellationToken);
}
