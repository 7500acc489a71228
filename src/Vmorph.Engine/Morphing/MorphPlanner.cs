using System.Collections.Immutable;
using Vmorph.Configuration;
using Vmorph.Planning;
using Vmorph.Profiles;
using Vmorph.TargetProfiles;
using Vmorph.Traits;

namespace Vmorph.Morphing;

/// <summary>A plan, with the parts of the target left out for this guest and why.</summary>
/// <param name="Plan">The plan.</param>
/// <param name="Notes">What was left out, one line each (empty when nothing was).</param>
public sealed record PlanOutcome(Plan Plan, ImmutableArray<string> Notes);

/// <summary>
/// Plans morphs of real VMs: reads the VM's configuration now (the hypervisor's view, plus the guest settings the
/// target names, read through the guest agent), fits the target to what the guest can have, and runs the pure
/// <see cref="MorphingAlgorithm"/>; plans the way back to a committed configuration version; and reads a VM's
/// configuration the way a plan was computed, so a saved plan is checked exactly (<see cref="ApplyCheck"/>).
/// </summary>
public sealed class MorphPlanner(IMorphHost host, HostCapabilities capabilities, TimeProvider clock)
{
    /// <summary>The plan that morphs <paramref name="vm"/> to <paramref name="target"/>, taking a snapshot as <paramref name="snapshot"/> says.</summary>
    public async Task<Result<PlanOutcome>> PlanAsync(MorphVm vm, TargetProfile target, PersonalityProfile? profile, WeightedTraitVector? traits,
        CancellationToken cancellationToken, SnapshotPolicy snapshot = SnapshotPolicy.Auto)
    {
        var keys = GuestTargetFilter.KeysOf(target);
        GuestSettings? guest = null;
        string? why = null;
        if (!keys.IsEmpty)
        {
            if (vm.Guest == GuestAccess.None) why = "vmorph has no way into this VM (no QEMU guest agent channel, no SSH configured)";
            else if (!vm.Running) why = "the VM is not running, so its guest settings cannot be read";
            else
            {
                var read = await host.ReadGuestSettingsAsync(vm.Id, keys, cancellationToken);
                if (read.IsSuccess) guest = read.Value;
                else why = "its guest settings could not be read: " + string.Join("; ", read.Errors);
            }
        }
        var fitted = GuestTargetFilter.Fit(target, guest, why);
        var plan = MorphingAlgorithm.Plan(new PlanRequest
        {
            Vm = vm.Id,
            VmName = vm.Name,
            Current = vm.Configuration with { Guest = fitted.Guest },
            Target = fitted.Target,
            Profile = profile,
            Traits = traits,
            Host = capabilities,
            Guest = vm.Guest,
            Snapshot = snapshot,
            CreatedAt = clock.GetUtcNow(),
        });
        return plan.IsSuccess ? Result<PlanOutcome>.Ok(new PlanOutcome(plan.Value, fitted.Notes)) : Result<PlanOutcome>.Fail(plan.Errors);
    }

    /// <summary>
    /// The plan that returns <paramref name="vm"/> to configuration <paramref name="version"/>: its hypervisor settings,
    /// and for the guest settings vmorph changed since (<paramref name="guestSince"/>: key → value at that version,
    /// null for absent), their values then.
    /// </summary>
    public async Task<Result<Plan>> PlanBackAsync(MorphVm vm, ConfigurationVersion version, IReadOnlyDictionary<string, string?> guestSince, PersonalityProfile? profile, CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(vm, guestSince.Keys, cancellationToken);
        if (!current.IsSuccess) return Result<Plan>.Fail(current.Errors);
        var desiredGuest = current.Value.Guest.ToBuilder();
        foreach (var (key, value) in guestSince)
        {
            if (value is not null) desiredGuest[key] = value;
            // A package absent then is removed again, and so is a firewall rule or default that did not exist (its rule
            // is deleted from vmorph's table); a unit or setting that did not exist cannot be "un-made": left as it is.
            else if (key.StartsWith("package.", StringComparison.Ordinal) || key.StartsWith("firewall.", StringComparison.Ordinal)) desiredGuest.Remove(key);
        }
        var desired = version.Configuration with { Guest = desiredGuest.ToImmutable() };
        var usage = profile is null ? null : new ProfileSizeContext(profile, $"VM '{vm.Name}'");
        var delta = ConfigurationDelta.Between(current.Value, desired, capabilities, vm.Guest, usage);
        if (!delta.IsSuccess) return Result<Plan>.Fail([.. delta.Errors.Select(e => $"back to configuration v{version.Version}: {e}")]);
        var plan = new Plan
        {
            Id = "",
            Vm = vm.Id,
            VmName = vm.Name,
            TargetProfile = $"configuration-v{version.Version}",
            TargetProfileSource = $"configuration version {version.Version} of VM '{vm.Name}' ({version.ContentHash[..12]}, {version.Cause})",
            Host = capabilities.Name,
            Capabilities = capabilities,
            Guest = vm.Guest,
            CreatedAt = clock.GetUtcNow(),
            BaseHash = current.Value.ContentHash(),
            Base = current.Value.Flatten(),
            ExpectedHash = delta.Value.ApplyTo(current.Value).ContentHash(),
            Traits = new TraitComparison([], 0),
            Delta = delta.Value,
        };
        return Result<Plan>.Ok(plan with { Id = Plan.ComputeId(plan) });
    }

    /// <summary>
    /// The VM's configuration now, read the way <paramref name="plan"/> was computed: the hypervisor's view plus the
    /// guest settings the plan starts from or changes (those the guest has now).
    /// </summary>
    public Task<Result<VmConfiguration>> CurrentForAsync(MorphVm vm, Plan plan, CancellationToken cancellationToken) =>
        CurrentAsync(vm, GuestKeysOf(plan), cancellationToken);

    /// <summary>The guest keys (without <c>guest.</c>) a plan starts from or changes.</summary>
    public static ImmutableArray<string> GuestKeysOf(Plan plan) =>
    [
        .. plan.Base.Keys.Concat(plan.Steps.SelectMany(s => s.Changes).Select(c => c.Path))
            .Where(p => p.StartsWith("guest.", StringComparison.Ordinal))
            .Select(p => p["guest.".Length..])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal),
    ];

    private async Task<Result<VmConfiguration>> CurrentAsync(MorphVm vm, IEnumerable<string> guestKeys, CancellationToken cancellationToken)
    {
        var keys = guestKeys.ToList();
        if (keys.Count == 0) return Result<VmConfiguration>.Ok(vm.Configuration);
        if (!vm.Running) return Result<VmConfiguration>.Fail($"VM '{vm.Name}' is not running, so its guest settings ({string.Join(", ", keys)}) cannot be read");
        var read = await host.ReadGuestSettingsAsync(vm.Id, keys, cancellationToken);
        if (!read.IsSuccess) return Result<VmConfiguration>.Fail([.. read.Errors.Select(e => $"cannot read the guest settings of VM '{vm.Name}': {e}")]);
        var guest = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var key in keys)
            if (read.Value.Values.GetValueOrDefault(key) is { } value)
                guest[key] = key.StartsWith("sysctl.", StringComparison.Ordinal) ? GuestTargetFilter.NormaliseSysctl(value) : value;
        return Result<VmConfiguration>.Ok(vm.Configuration with { Guest = guest.ToImmutable() });
    }
}
