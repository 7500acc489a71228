using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Vmorph.Identity;
using Vmorph.Planning;

namespace Vmorph.Morphs;

/// <summary>What the state machine needs to know of one step of the plan.</summary>
/// <param name="Index">Its position, from 1.</param>
/// <param name="Kind">What it changes.</param>
/// <param name="Mode">Live or at the restart.</param>
/// <param name="InverseMode">When its inverse takes effect.</param>
/// <param name="InverseMechanism">Whether an inverse step or only the snapshot undoes it.</param>
public sealed record StepOutline(int Index, StepKind Kind, StepMode Mode, StepMode InverseMode, InverseMechanism InverseMechanism)
{
    /// <summary>The outline of a plan step.</summary>
    public static StepOutline Of(PlanStep step) => new(step.Index, step.Kind, step.Mode, step.Inverse.Mode, step.Inverse.Mechanism);
}

/// <summary>
/// The fixed facts of one morph, set when it is created from a plan and never changed: which VM, which plan, the steps'
/// outlines, whether a snapshot comes first and its name, and how long the guard observes.
/// </summary>
public sealed partial record MorphDefinition
{
    /// <summary>The morph's id (letters, digits, '-', '_', '.'; it names the snapshot).</summary>
    public required string MorphId { get; init; }

    /// <summary>The VM.</summary>
    public required VmId Vm { get; init; }

    /// <summary>The plan's id.</summary>
    public required string PlanId { get; init; }

    /// <summary>The configuration hash the plan starts from (the committed version before the morph).</summary>
    public required string BaseHash { get; init; }

    /// <summary>The configuration hash the plan leads to (the committed version after the morph).</summary>
    public required string ExpectedHash { get; init; }

    /// <summary>The steps, in order.</summary>
    public required ImmutableArray<StepOutline> Steps { get; init; }

    /// <summary>Whether the snapshot is taken before the first step.</summary>
    public required bool SnapshotRequired { get; init; }

    /// <summary>The snapshot's name (<c>vmorph-MORPHID</c>).</summary>
    public string SnapshotName => "vmorph-" + MorphId;

    /// <summary>How long the guard observes the VM after the last step.</summary>
    public required TimeSpan ObservationWindow { get; init; }

    /// <summary>The definition of a morph that carries out <paramref name="plan"/>.</summary>
    public static MorphDefinition For(Plan plan, string morphId, TimeSpan observationWindow)
    {
        if (!IdPattern().IsMatch(morphId)) throw new ArgumentException($"morph id '{morphId}' must be 1 to 64 letters, digits, '-', '_' or '.'", nameof(morphId));
        if (observationWindow < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(observationWindow), observationWindow, "the observation window cannot be negative");
        return new MorphDefinition
        {
            MorphId = morphId,
            Vm = plan.Vm,
            PlanId = plan.Id,
            BaseHash = plan.BaseHash,
            ExpectedHash = plan.ExpectedHash,
            Steps = [.. plan.Steps.Select(StepOutline.Of)],
            SnapshotRequired = plan.Delta.SnapshotRequired,
            ObservationWindow = observationWindow,
        };
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex IdPattern();
}
