using Vmorph.TargetProfiles;

namespace Vmorph.Planning;

/// <summary>
/// The seed's <c>MorphingAlgorithm</c>: compares a VM's <c>WeightedTraitVector</c> with the target profile's expected
/// traits (which differ and by how much), resolves the target's sizes for this VM within the target's bounds and the
/// host's capacity, and produces the <see cref="ConfigurationDelta"/> from the VM's configuration to the target's, as a
/// <see cref="Plan"/>. Pure: same request, same plan. Everything that makes a plan impossible is returned together.
/// </summary>
public static class MorphingAlgorithm
{
    /// <summary>Plans a morph.</summary>
    public static Result<Plan> Plan(PlanRequest request)
    {
        var context = new ProfileSizeContext(request.Profile, $"VM '{request.VmName}'");
        var traits = TraitComparison.Compare(request.Traits, request.Target.ExpectedTraits);
        var desired = TargetResolver.Resolve(request.Current, request.Target, context, request.Host);
        if (!desired.IsSuccess) return Result<Plan>.Fail(desired.Errors);
        var delta = ConfigurationDelta.Between(request.Current, desired.Value, request.Host, request.Guest, request.Profile is null ? null : context, request.Snapshot);
        if (!delta.IsSuccess) return Result<Plan>.Fail([.. delta.Errors.Select(e => $"target profile '{request.Target.Name}': {e}")]);

        var plan = new Plan
        {
            Id = "",
            Vm = request.Vm,
            VmName = request.VmName,
            TargetProfile = request.Target.Name,
            TargetProfileSource = request.Target.Source,
            Host = request.Host.Name,
            Capabilities = request.Host,
            Guest = request.Guest,
            Snapshot = request.Snapshot,
            CreatedAt = request.CreatedAt,
            BaseHash = request.Current.ContentHash(),
            Base = request.Current.Flatten(),
            ExpectedHash = delta.Value.ApplyTo(request.Current).ContentHash(),
            Traits = traits,
            Delta = delta.Value,
        };
        return Result<Plan>.Ok(plan with { Id = global::Vmorph.Planning.Plan.ComputeId(plan) });
    }
}
