namespace Vmorph.Morphs;

/// <summary>Where a morph is in its life (docs/MORPHING.md has the diagram).</summary>
public enum MorphPhase
{
    /// <summary>Created from a plan; nothing has been done.</summary>
    Planned,
    /// <summary>Taking the snapshot; nothing has been changed.</summary>
    Snapshotting,
    /// <summary>The snapshot exists; no step has started.</summary>
    Snapshotted,
    /// <summary>Step <see cref="MorphState.Step"/> is being applied; the steps before it are applied.</summary>
    Applying,
    /// <summary>Every step is applied; the guard watches the VM until <see cref="MorphState.ObservingUntil"/>.</summary>
    Observing,
    /// <summary>Done: the VM has the planned configuration and passed the guard. Terminal.</summary>
    Committed,
    /// <summary>Undoing: operation <see cref="MorphState.RollbackPosition"/> of <see cref="MorphState.Rollback"/> is in flight.</summary>
    RollingBack,
    /// <summary>Undone: the VM is back in the configuration it had before the morph. Terminal.</summary>
    RolledBack,
    /// <summary>Stopped where vmorph could not go on or go back safely; a person must look (<see cref="MorphState.FailureReason"/>). Terminal.</summary>
    Failed,
}

/// <summary>Names of phases as journals and messages write them.</summary>
public static class MorphPhases
{
    /// <summary>Whether nothing more happens in this phase without a person.</summary>
    public static bool IsTerminal(this MorphPhase phase) => phase is MorphPhase.Committed or MorphPhase.RolledBack or MorphPhase.Failed;
}
