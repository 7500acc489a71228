using System.Collections.Immutable;
using Vmorph.Identity;
using Vmorph.Morphing;
using Vmorph.Planning;

namespace Vmorph.Replay;

/// <summary>
/// <see cref="IMorphHost"/> over a <see cref="ReplayFleet"/>: finds replayed VMs (always running, no way into a guest),
/// reads the guard's counters from the trace (CPU time capped at the allocation, memory from the trace), and answers
/// every guest question with the reason a replay has no guest, so the planner leaves guest settings out.
/// </summary>
/// <param name="fleet">The fleet.</param>
/// <param name="clock">The clock (a <see cref="ReplayClock"/> for an accelerated replay).</param>
public sealed class ReplayMorphHost(ReplayFleet fleet, TimeProvider clock) : IMorphHost
{
    /// <summary>Why nothing inside a replayed VM can be read, changed or pinged.</summary>
    public const string NoGuest = "replayed from a trace: there is no guest (no packages, services, kernel settings, SSH or firewall to read or change)";

    /// <inheritdoc />
    public string Uri => fleet.Uri;

    /// <inheritdoc />
    public Task<Result<MorphVm>> FindAsync(string idOrName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(fleet.Find(idOrName) is { } vm
            ? Result<MorphVm>.Ok(new MorphVm(vm.Id, vm.Name, true, vm.Configuration, GuestAccess.None))
            : Result<MorphVm>.Fail($"no replayed VM '{idOrName}' in {fleet.Uri}"));
    }

    /// <inheritdoc />
    public Task<Result<GuestSettings>> ReadGuestSettingsAsync(VmId vm, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (fleet.Find(vm) is null) return Task.FromResult(Result<GuestSettings>.Fail($"no replayed VM {vm} in {fleet.Uri}"));
        var unsupported = Enum.GetValues<GuestArea>().ToImmutableDictionary(area => area, _ => NoGuest);
        return Task.FromResult(Result<GuestSettings>.Ok(new GuestSettings(unsupported, ImmutableDictionary<string, string?>.Empty)));
    }

    /// <inheritdoc />
    public Task<Result<GuardReading>> ReadCountersAsync(VmId vm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (fleet.Find(vm) is not { } found) return Task.FromResult(Result<GuardReading>.Fail($"no replayed VM {vm} in {fleet.Uri}"));
        return Task.FromResult(Result<GuardReading>.Ok(found.ReadGuard(clock.GetUtcNow(), clock.GetTimestamp() / (double)clock.TimestampFrequency)));
    }

    /// <inheritdoc />
    public Task<Result<TimeSpan>> PingGuestAsync(VmId vm, TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var name = fleet.Find(vm)?.Name ?? vm.Value;
        return Task.FromResult(Result<TimeSpan>.Fail($"{name}: {NoGuest}"));
    }
}
