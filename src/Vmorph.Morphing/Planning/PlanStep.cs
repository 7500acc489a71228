using System.Collections.Immutable;
using Vmorph.Configuration;

namespace Vmorph.Planning;

/// <summary>
/// One step of a <see cref="ConfigurationDelta"/>: what it changes (canonical paths of <see cref="VmConfiguration.Flatten"/>
/// with values before and after), whether it takes effect live or at a restart on this VM and host, who carries it
/// out, how it is undone, what must hold first, how risky it is, and whether the morph's snapshot must exist first
/// (because no inverse step can undo it live). Every step is idempotent: it sets values, so carrying it out twice is
/// the same as once, which is what makes resuming after a crash safe.
/// </summary>
/// <param name="Index">Its position in the plan, from 1.</param>
/// <param name="Kind">What it changes.</param>
/// <param name="Subject">What it acts on, for people (<c>vcpus.current</c>, <c>package.nginx</c>, <c>disk.vda</c>, <c>vm</c>).</param>
/// <param name="Changes">The values it sets, by canonical path; empty for <see cref="StepKind.RestartVm"/>.</param>
/// <param name="Mode">Live, or at the restart.</param>
/// <param name="Channel">Hypervisor or guest.</param>
/// <param name="Inverse">How it is undone.</param>
/// <param name="Preconditions">What must hold first.</param>
/// <param name="Risk">How risky it is, and why.</param>
/// <param name="RequiresSnapshot">Whether the snapshot must exist first.</param>
/// <param name="SnapshotReason">Why it needs the snapshot, when it does.</param>
public sealed record PlanStep(
    int Index,
    StepKind Kind,
    string Subject,
    ImmutableArray<ConfigurationChange> Changes,
    StepMode Mode,
    StepChannel Channel,
    InverseStep Inverse,
    ImmutableArray<Precondition> Preconditions,
    StepRisk Risk,
    bool RequiresSnapshot,
    string? SnapshotReason)
{
    /// <summary>
    /// As <c>terraform plan</c> marks it: <c>+</c> when every value is new, <c>-</c> when every value is removed,
    /// <c>~</c> otherwise (and for the restart).
    /// </summary>
    public char Symbol =>
        Changes.IsEmpty ? '~' :
        Changes.All(c => c.Before is null) ? '+' :
        Changes.All(c => c.After is null) ? '-' : '~';
}
