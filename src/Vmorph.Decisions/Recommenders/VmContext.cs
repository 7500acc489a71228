using Vmorph.Identity;

namespace Vmorph.Recommenders;

/// <summary>What a recommender knows about a VM before it sees any usage.</summary>
/// <param name="Vm">The VM.</param>
/// <param name="Name">Its name, as policies match it.</param>
/// <param name="Labels">Its labels, as policies match them.</param>
/// <param name="Provisioned">What the VM was given at the start (the trace's own capacity, or the nominal capacity of a CPU-only trace).</param>
/// <param name="Step">The interval between samples.</param>
public sealed record VmContext(VmId Vm, string Name, IReadOnlyDictionary<string, string> Labels, Allocation Provisioned, TimeSpan Step)
{
    /// <summary>A context with no labels and five-minute steps.</summary>
    public static VmContext Of(string vm, Allocation provisioned) =>
        new(new VmId(vm), vm, new Dictionary<string, string>(), provisioned, TimeSpan.FromMinutes(5));
}
