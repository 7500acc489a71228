using System.Collections.Immutable;
using Vmorph.Planning;

namespace Vmorph.Morphs;

/// <summary>What one operation of a rollback does.</summary>
public enum RollbackOperationKind
{
    /// <summary>Carry out a step's inverse.</summary>
    InvertStep,
    /// <summary>Restart the VM so that restart-mode inverses take effect.</summary>
    RestartVm,
    /// <summary>Revert the morph's snapshot (discards what the guest wrote since).</summary>
    RevertSnapshot,
}

/// <summary>One operation of a rollback.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Step">The step it inverts, for <see cref="RollbackOperationKind.InvertStep"/>.</param>
public sealed record RollbackOperation(RollbackOperationKind Kind, int? Step = null)
{
    /// <summary>
    /// How to undo the steps up to and including <paramref name="through"/>: their inverses in reverse order (the restart
    /// step skipped), then one restart if any inverse takes effect only at a restart and its step had reached the
    /// running VM; or, when any of those steps can only be undone by the snapshot, the snapshot revert alone (it brings
    /// back everything, so inverses before it would be wasted work). Empty when nothing was applied.
    /// </summary>
    public static ImmutableArray<RollbackOperation> Sequence(IReadOnlyList<StepOutline> steps, int through)
    {
        var applied = steps.Where(s => s.Index <= through).ToList();
        if (applied.Count == 0) return [];
        if (applied.Any(s => s.InverseMechanism == InverseMechanism.Snapshot)) return [new RollbackOperation(RollbackOperationKind.RevertSnapshot)];
        var restarted = applied.Any(s => s.Kind == StepKind.RestartVm);
        var operations = applied
            .Where(s => s.Kind != StepKind.RestartVm)
            .OrderByDescending(s => s.Index)
            .Select(s => new RollbackOperation(RollbackOperationKind.InvertStep, s.Index))
            .ToList();
        // A restart-mode step that never reached the running VM (the restart had not happened) is undone in the
        // definition alone; one that did, or a live step whose inverse needs a restart (a hot-add), needs the restart.
        if (applied.Any(s => s.Kind != StepKind.RestartVm && s.InverseMode == StepMode.Restart && (s.Mode == StepMode.Live || restarted)))
            operations.Add(new RollbackOperation(RollbackOperationKind.RestartVm));
        return [.. operations];
    }
}
