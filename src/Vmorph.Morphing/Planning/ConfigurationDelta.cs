using System.Collections.Immutable;
using Vmorph.Configuration;
using Vmorph.TargetProfiles;

namespace Vmorph.Planning;

/// <summary>
/// The seed's <c>ConfigurationDelta</c>: the ordered steps that lead from a VM's configuration to another on a given
/// host, each knowing whether it is live or needs the restart, its inverse, its preconditions and its risk.
/// </summary>
/// <param name="Steps">The steps in the order they are carried out, indexed from 1.</param>
public sealed record ConfigurationDelta(ImmutableArray<PlanStep> Steps)
{
    /// <summary>Counts for the one-line summary.</summary>
    public PlanSummary Summary => PlanSummary.Of(Steps);

    /// <summary>Whether there is nothing to do.</summary>
    public bool IsEmpty => Steps.IsEmpty;

    /// <summary>Whether a snapshot must be taken before the first step (some step cannot be undone live).</summary>
    public bool SnapshotRequired => Steps.Any(s => s.RequiresSnapshot);

    /// <summary>Whether the VM restarts during the morph.</summary>
    public bool RestartRequired => Steps.Any(s => s.Kind == StepKind.RestartVm);

    /// <summary>
    /// What must hold before the snapshot is taken: that no vCPU was hot-added since the VM started, or the snapshot
    /// could not be reverted (LAB.md). Empty when no snapshot is needed.
    /// </summary>
    public ImmutableArray<Precondition> SnapshotPreconditions => SnapshotRequired
        ? [new Precondition(PreconditionKind.NoVcpuHotAddSinceStart, "no vCPU was hot-added since the VM last started (a snapshot taken after a hot-add cannot be reverted, LAB.md); restart the VM first if one was")]
        : [];

    /// <summary>
    /// The steps that lead from <paramref name="current"/> to <paramref name="desired"/> on <paramref name="host"/>, or
    /// every reason it cannot be done (a disk that would shrink, a change the host cannot make, guest steps without a
    /// way into the guest). <paramref name="usage"/> (the VM's profile) sharpens the risk of decreases;
    /// <paramref name="snapshot"/> says which steps need the snapshot first.
    /// </summary>
    public static Result<ConfigurationDelta> Between(VmConfiguration current, VmConfiguration desired, HostCapabilities host, GuestAccess guest,
        ISizeContext? usage = null, SnapshotPolicy snapshot = SnapshotPolicy.Auto) =>
        DeltaBuilder.Build(current, desired, host, guest, usage, snapshot);

    /// <summary>Applies every step's changes in order: the configuration the delta leads to.</summary>
    public VmConfiguration ApplyTo(VmConfiguration configuration) =>
        Steps.Aggregate(configuration, (c, s) => ConfigurationEditor.Apply(c, s.Changes));
}
