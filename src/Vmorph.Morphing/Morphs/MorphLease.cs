using System.Globalization;
using Vmorph.Identity;

namespace Vmorph.Morphs;

/// <summary>
/// The right to morph one VM: held by one morph at a time, renewed by the engine that runs it, with an expiry so a
/// dead engine's morph can be taken over for recovery. The store keeps one lease per VM and writes it with a version
/// check (compare-and-swap on <see cref="Version"/>); these rules decide what may be written. A different morph never
/// takes a lease over, expired or not: it must wait until the holder ends (or a person resolves it), because the
/// holder's journal may still need recovering.
/// </summary>
/// <param name="Vm">The VM.</param>
/// <param name="MorphId">The morph that holds it.</param>
/// <param name="Owner">The engine instance running that morph (host and process).</param>
/// <param name="Expires">When it lapses unless renewed.</param>
/// <param name="Version">Incremented by every write; the store's compare-and-swap key.</param>
public sealed record MorphLease(VmId Vm, string MorphId, string Owner, DateTimeOffset Expires, long Version)
{
    /// <summary>Whether the owner stopped renewing it.</summary>
    public bool IsExpired(DateTimeOffset now) => Expires <= now;

    /// <summary>
    /// A lease for a new morph on <paramref name="vm"/>, given the VM's current lease (null: none). Refused with the
    /// holder's id when another morph holds it.
    /// </summary>
    public static Result<MorphLease> Acquire(MorphLease? existing, VmId vm, string morphId, string owner, DateTimeOffset now, TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), duration, "a lease must last a while");
        if (existing is null) return Result<MorphLease>.Ok(new MorphLease(vm, morphId, owner, now + duration, 1));
        if (existing.Vm != vm) throw new ArgumentException($"the lease given is for VM {existing.Vm}, not {vm}", nameof(existing));
        if (existing.MorphId == morphId) return TakeOver(existing, morphId, owner, now, duration);
        var when = existing.Expires.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return Result<MorphLease>.Fail(existing.IsExpired(now)
            ? $"VM {vm} has an unfinished morph {existing.MorphId} whose owner {existing.Owner} stopped renewing its lease at {when}Z; recover that morph first (vmorph recovers unfinished morphs when it starts)"
            : $"VM {vm} is being morphed by morph {existing.MorphId} (owner {existing.Owner}, lease until {when}Z); wait for it to finish or try again later");
    }

    /// <summary>
    /// The lease of morph <paramref name="morphId"/> taken over by <paramref name="owner"/> to recover it: allowed when
    /// the owner is the same or the lease has expired.
    /// </summary>
    public static Result<MorphLease> TakeOver(MorphLease existing, string morphId, string owner, DateTimeOffset now, TimeSpan duration)
    {
        if (existing.MorphId != morphId)
            return Result<MorphLease>.Fail($"VM {existing.Vm}'s lease is held by morph {existing.MorphId}, not {morphId}");
        if (existing.Owner != owner && !existing.IsExpired(now))
            return Result<MorphLease>.Fail($"morph {morphId} on VM {existing.Vm} is run by {existing.Owner} until {existing.Expires.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z; it can be taken over only after that");
        return Result<MorphLease>.Ok(existing with { Owner = owner, Expires = now + duration, Version = existing.Version + 1 });
    }

    /// <summary>Renewed by its owner; refused when someone else took it over or it lapsed (the owner must stop).</summary>
    public Result<MorphLease> Renew(string owner, DateTimeOffset now, TimeSpan duration)
    {
        if (owner != Owner) return Result<MorphLease>.Fail($"morph {MorphId}'s lease on VM {Vm} is held by {Owner} now, not {owner}; stop running it");
        if (IsExpired(now)) return Result<MorphLease>.Fail($"morph {MorphId}'s lease on VM {Vm} lapsed at {Expires.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z; take it over again before going on");
        return Result<MorphLease>.Ok(this with { Expires = now + duration, Version = Version + 1 });
    }

    /// <summary>Whether <paramref name="owner"/> may release it (the morph it runs has ended or was resolved).</summary>
    public bool MayRelease(string owner, string morphId) => owner == Owner && morphId == MorphId;
}
