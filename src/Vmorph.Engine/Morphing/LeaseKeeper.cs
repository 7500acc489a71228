using Vmorph.Identity;
using Vmorph.Morphs;

namespace Vmorph.Morphing;

/// <summary>
/// The morph leases of one engine: acquired through the store with compare-and-swap (never a process-local lock
/// alone), kept renewed while a morph runs, taken over to recover a morph whose owner is gone, and released when the
/// morph ends. The rules of what may be written are <see cref="MorphLease"/>'s.
/// </summary>
internal sealed class LeaseKeeper(IMorphJournal journal, TimeProvider clock, MorphEngineOptions options, string owner)
{
    /// <summary>This engine's owner string.</summary>
    public string Owner => owner;

    /// <summary>What stands in the way of a new morph, as a lease.</summary>
    /// <param name="Lease">The holder's lease.</param>
    /// <param name="Refusal">Why the VM cannot be had now.</param>
    public sealed record Busy(MorphLease Lease, string Refusal);

    /// <summary>
    /// Tries once to acquire the VM's lease for a new morph. Null on success; otherwise the holder's lease and the
    /// refusal (<see cref="MorphLease.Acquire"/>'s words).
    /// </summary>
    public async Task<Busy?> TryAcquireAsync(VmId vm, string morphId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await journal.LeaseAsync(vm, cancellationToken);
            var wanted = MorphLease.Acquire(existing, vm, morphId, owner, clock.GetUtcNow(), options.LeaseDuration);
            if (!wanted.IsSuccess) return new Busy(existing!, string.Join("; ", wanted.Errors));
            if (await journal.TryWriteLeaseAsync(wanted.Value, existing?.Version, cancellationToken)) return null;
            // Someone wrote between our read and our write: read again and decide again.
        }
        var holder = await journal.LeaseAsync(vm, cancellationToken);
        return holder is null ? null : new Busy(holder, $"VM {vm}'s lease keeps changing under vmorph; try again");
    }

    /// <summary>
    /// Takes over the lease of an unfinished morph for recovery: when this engine already holds it, when it expired, or
    /// when its owner is a process on this host that no longer runs (it is first marked expired, then taken over, both
    /// with compare-and-swap). A VM without a lease gets a new one for the morph. Fails when the owner still runs.
    /// </summary>
    public async Task<Result<MorphLease>> TakeOverAsync(VmId vm, string morphId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = clock.GetUtcNow();
            var existing = await journal.LeaseAsync(vm, cancellationToken);
            if (existing is null)
            {
                var fresh = new MorphLease(vm, morphId, owner, now + options.LeaseDuration, 1);
                if (await journal.TryWriteLeaseAsync(fresh, null, cancellationToken)) return Result<MorphLease>.Ok(fresh);
                continue;
            }
            if (existing.MorphId == morphId && existing.Owner != owner && !existing.IsExpired(now) && LeaseOwner.IsGone(existing.Owner))
            {
                // The owner died on this host: its lease would lapse on its own; end it now so recovery need not wait.
                var lapsed = existing with { Expires = now, Version = existing.Version + 1 };
                if (!await journal.TryWriteLeaseAsync(lapsed, existing.Version, cancellationToken)) continue;
                existing = lapsed;
            }
            var taken = MorphLease.TakeOver(existing, morphId, owner, now, options.LeaseDuration);
            if (!taken.IsSuccess) return taken;
            if (await journal.TryWriteLeaseAsync(taken.Value, existing.Version, cancellationToken)) return taken;
        }
        return Result<MorphLease>.Fail($"VM {vm}'s lease keeps changing under vmorph; try again");
    }

    /// <summary>
    /// Keeps the lease of <paramref name="morphId"/> renewed until disposed; cancels <paramref name="lost"/> when
    /// another engine took it over (the morph must stop where it is: its journal says what was done).
    /// </summary>
    public IAsyncDisposable KeepRenewed(VmId vm, string morphId, CancellationTokenSource lost, Action<string> warn)
    {
        var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            var every = options.LeaseDuration / 3;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(every, clock, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                try
                {
                    var current = await journal.LeaseAsync(vm, stop.Token);
                    if (current is null || current.MorphId != morphId || current.Owner != owner)
                    {
                        warn($"lost the lease of VM {vm}: {(current is null ? "it was deleted" : $"morph {current.MorphId} of {current.Owner} holds it")}; stopping morph {morphId} where it is");
                        await lost.CancelAsync();
                        return;
                    }
                    var renewed = MorphLease.TakeOver(current, morphId, owner, clock.GetUtcNow(), options.LeaseDuration);
                    if (!renewed.IsSuccess || !await journal.TryWriteLeaseAsync(renewed.Value, current.Version, stop.Token))
                        warn($"could not renew the lease of VM {vm} this time; trying again");
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A busy store is retried at the next renewal; the lease lasts three renewals.
                    warn($"could not renew the lease of VM {vm}: {e.Message}; trying again");
                }
            }
        });
        return new Renewal(stop, loop);
    }

    /// <summary>Releases the lease if this engine holds it for the morph (idempotent: a missing lease is fine).</summary>
    public async Task ReleaseAsync(VmId vm, string morphId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await journal.LeaseAsync(vm, cancellationToken);
            if (current is null || !current.MayRelease(owner, morphId)) return;
            if (await journal.TryDeleteLeaseAsync(vm, morphId, current.Version, cancellationToken)) return;
        }
    }

    private sealed class Renewal(CancellationTokenSource stop, Task loop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await loop;
            stop.Dispose();
        }
    }
}
