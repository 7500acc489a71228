using System.Collections.Immutable;
using Vmorph.Configuration;
using Vmorph.Planning;

namespace Vmorph.Morphs;

/// <summary>
/// What a driver carries out for <see cref="ApplyStep"/> or <see cref="InvertStep"/>: set each change's path to its
/// after-value, live or in the persistent definition (for the restart), through the hypervisor or the guest. Setting
/// values (not adding to them) makes every operation idempotent.
/// </summary>
/// <param name="Kind">What kind of change.</param>
/// <param name="Changes">The values to set, by canonical path; a null after-value removes (uninstall, remove the limit).</param>
/// <param name="Mode">Live (<c>--live --config</c>), or the persistent definition only (<c>--config</c>), effective at the restart.</param>
/// <param name="Channel">Hypervisor or guest.</param>
public sealed record StepOperation(StepKind Kind, ImmutableArray<ConfigurationChange> Changes, StepMode Mode, StepChannel Channel)
{
    /// <summary>The operation that applies a step.</summary>
    public static StepOperation Forward(PlanStep step) => new(step.Kind, step.Changes, step.Mode, step.Channel);

    /// <summary>The operation that inverts a step (not for inverses whose mechanism is the snapshot).</summary>
    public static StepOperation Inverse(PlanStep step) =>
        step.Inverse.Mechanism == InverseMechanism.Snapshot
            ? throw new InvalidOperationException($"step {step.Index} is undone by reverting the snapshot, not by an operation")
            : new(step.Inverse.Kind, step.Inverse.Changes, step.Inverse.Mode, step.Channel);
}

/// <summary>Success without a value.</summary>
public readonly record struct Done;
