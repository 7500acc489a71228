using Vmorph.Configuration;
using Vmorph.Identity;

namespace Vmorph.Planning;

/// <summary>
/// Decides whether a saved plan may be applied to a VM now: only to the VM it was made for, and only while that VM
/// still has exactly the configuration the plan was computed against. Otherwise the answer is a refusal that lists what
/// changed since, so the operator sees why and makes a new plan.
/// </summary>
public static class ApplyCheck
{
    /// <summary>The plan when it may be applied; otherwise a refusal: a header line, then one line per difference.</summary>
    public static Result<Plan> Verify(Plan plan, VmId vm, VmConfiguration current)
    {
        if (plan.Vm != vm)
            return Result<Plan>.Fail($"plan {plan.Id} was made for VM '{plan.VmName}' ({plan.Vm}), not for {vm}; apply refused");
        var hash = current.ContentHash();
        if (hash == plan.BaseHash) return Result<Plan>.Ok(plan);
        var differences = Differences(plan, current);
        return Result<Plan>.Fail([
            $"VM '{plan.VmName}' has changed since plan {plan.Id} was made (configuration {plan.BaseHash[..12]} then, {hash[..12]} now); apply refused, make a new plan. What changed:",
            .. differences.Select(d => "  " + PlanRenderer.Change(d)),
        ]);
    }

    /// <summary>What changed in the VM's configuration since the plan was made, by canonical path.</summary>
    public static IReadOnlyList<ConfigurationChange> Differences(Plan plan, VmConfiguration current) =>
        plan.BaseConfiguration().DiffTo(current);
}
