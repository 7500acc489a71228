using Vmorph.Collection;
using Vmorph.Identity;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Replay;

/// <summary>
/// <see cref="IMorphDriver"/> over a <see cref="ReplayFleet"/>. Hypervisor steps change the VM's allocation: live ones
/// at once (the next counters and description show them), restart ones in its definition until
/// <see cref="RestartAsync"/> (which always succeeds: the runtime id changes, the counters begin again). vCPU and
/// memory changes are refused as libvirt would refuse them (above the maximum, above the host). Snapshots succeed and
/// record only the allocation (there is no guest memory or disk to save), so reverting one gives the allocation back.
/// Guest steps are refused: a replayed VM has no guest. Each change sends the configuration-change event a libvirt
/// host would.
/// </summary>
/// <param name="fleet">The fleet.</param>
/// <param name="clock">The clock (a <see cref="ReplayClock"/> for an accelerated replay).</param>
/// <param name="host">What the host allows; <see cref="ReplayHost.Capabilities"/> when null.</param>
public sealed class ReplayMorphDriver(ReplayFleet fleet, TimeProvider clock, HostCapabilities? host = null) : IMorphDriver
{
    private readonly HostCapabilities host = host ?? ReplayHost.Capabilities;

    /// <inheritdoc />
    public Task<Result<bool>> CheckAsync(VmId vm, Precondition precondition, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (fleet.Find(vm) is null) return Task.FromResult(Missing<bool>(vm));
        return Task.FromResult(precondition.Kind switch
        {
            // No guest ever answers; a replay's snapshot records the allocation only, so it can always be reverted.
            PreconditionKind.GuestAnswers => Result<bool>.Ok(false),
            PreconditionKind.NoVcpuHotAddSinceStart => Result<bool>.Ok(true),
            _ => Result<bool>.Fail($"precondition {precondition.Kind} is not one the driver checks"),
        });
    }

    /// <inheritdoc />
    public Task<Result<Done>> TakeSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (fleet.Find(vm) is not { } found) return Task.FromResult(Missing<Done>(vm));
        found.TakeSnapshot(name);
        return Task.FromResult(Result<Done>.Ok(default));
    }

    /// <inheritdoc />
    public Task<Result<Done>> RevertSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (fleet.Find(vm) is not { } found) return Task.FromResult(Missing<Done>(vm));
        var at = clock.GetUtcNow();
        if (!found.RevertSnapshot(name, at)) return Task.FromResult(Result<Done>.Fail($"{found.Name}: no snapshot named {name}"));
        Publish(found, at, $"snapshot {name} reverted");
        return Task.FromResult(Result<Done>.Ok(default));
    }

    /// <inheritdoc />
    public Task<Result<Done>> DeleteSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (fleet.Find(vm) is not { } found) return Task.FromResult(Missing<Done>(vm));
        found.DeleteSnapshot(name);
        return Task.FromResult(Result<Done>.Ok(default));
    }

    /// <inheritdoc />
    public Task<Result<Done>> ApplyAsync(VmId vm, StepOperation operation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (fleet.Find(vm) is not { } found) return Task.FromResult(Missing<Done>(vm));
        if (operation.Channel == StepChannel.Guest || !Replayable(operation.Kind))
            return Task.FromResult(Result<Done>.Fail($"{found.Name}: {operation.Kind} refused: {ReplayMorphHost.NoGuest}"));
        var at = clock.GetUtcNow();
        var applied = found.Apply(operation, at, host);
        if (applied.IsSuccess && operation.Mode == StepMode.Live)
            Publish(found, at, "tuning changed: " + string.Join(", ", operation.Changes.Select(c => $"{c.Path}={c.After ?? "(none)"}")));
        return Task.FromResult(applied);
    }

    /// <inheritdoc />
    public Task<Result<Done>> RestartAsync(VmId vm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (fleet.Find(vm) is not { } found) return Task.FromResult(Missing<Done>(vm));
        var at = clock.GetUtcNow();
        found.Restart(at);
        Publish(found, at, "lifecycle: stopped");
        Publish(found, at, "lifecycle: started");
        return Task.FromResult(Result<Done>.Ok(default));
    }

    private static bool Replayable(StepKind kind) => kind is StepKind.SetVcpus or StepKind.SetMaxVcpus or StepKind.SetMemory or StepKind.SetMaxMemory
        or StepKind.SetCpuQuota or StepKind.SetDiskIoLimits or StepKind.GrowDisk;

    private void Publish(ReplayVm vm, DateTimeOffset at, string description) =>
        fleet.Publish(new HypervisorEvent(vm.Id, vm.Name, at, description, MayChangeConfiguration: true));

    private Result<T> Missing<T>(VmId vm) => Result<T>.Fail($"no replayed VM {vm} in {fleet.Uri}");
}
