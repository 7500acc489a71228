using System.Collections.Immutable;
using Vmorph.Guard;

namespace Vmorph.Morphs;

/// <summary>
/// The durable state of one morph: its fixed <see cref="Definition"/> and where it is. Changed only by
/// <see cref="MorphMachine.Next"/>; every state is written to the journal before the actions it asks for run.
/// </summary>
public sealed record MorphState
{
    /// <summary>The morph's fixed facts.</summary>
    public required MorphDefinition Definition { get; init; }

    /// <summary>Where it is.</summary>
    public required MorphPhase Phase { get; init; }

    /// <summary>In <see cref="MorphPhase.Applying"/>, the step in flight (from 1); it may or may not have taken effect.</summary>
    public int Step { get; init; }

    /// <summary>The last step known to be applied (0: none).</summary>
    public int AppliedThrough { get; init; }

    /// <summary>The snapshot's name once it is taken.</summary>
    public string? Snapshot { get; init; }

    /// <summary>When the snapshot was taken.</summary>
    public DateTimeOffset? SnapshotTakenAt { get; init; }

    /// <summary>In <see cref="MorphPhase.Observing"/>, when the observation window ends.</summary>
    public DateTimeOffset? ObservingUntil { get; init; }

    /// <summary>The guard's verdict, once given.</summary>
    public GuardVerdict? Verdict { get; init; }

    /// <summary>In <see cref="MorphPhase.Observing"/>, the first window's verdict of a degradation being confirmed.</summary>
    public GuardVerdict? Unconfirmed { get; init; }

    /// <summary>In <see cref="MorphPhase.RollingBack"/>, the operations that undo the morph.</summary>
    public ImmutableArray<RollbackOperation> Rollback { get; init; } = [];

    /// <summary>In <see cref="MorphPhase.RollingBack"/>, the operation in flight (from 0).</summary>
    public int RollbackPosition { get; init; }

    /// <summary>Why the morph is being rolled back.</summary>
    public string? RollbackReason { get; init; }

    /// <summary>What reverting the snapshot discarded, when it was reverted.</summary>
    public string? Discarded { get; init; }

    /// <summary>Why the morph failed, in <see cref="MorphPhase.Failed"/>.</summary>
    public string? FailureReason { get; init; }

    /// <summary>Whether the actions of the terminal state have run (clean-up, lease release).</summary>
    public bool Finalized { get; init; }

    /// <summary>What the person who resolved a failed morph wrote.</summary>
    public string? Resolution { get; init; }

    /// <summary>A new morph, planned.</summary>
    public static MorphState Planned(MorphDefinition definition) => new() { Definition = definition, Phase = MorphPhase.Planned };

    /// <summary>The state in a line: <c>applying step 3 of 7</c>.</summary>
    public string Describe() => Phase switch
    {
        MorphPhase.Applying => $"applying step {Step} of {Definition.Steps.Length}",
        MorphPhase.RollingBack => $"rolling back, operation {RollbackPosition + 1} of {Rollback.Length}",
        MorphPhase.Observing => Unconfirmed is null ? $"observing until {ObservingUntil:u}" : $"confirming a degradation until {ObservingUntil:u}",
        MorphPhase.Failed => $"failed: {FailureReason}",
        _ => Phase.ToString().ToLowerInvariant(),
    };
}
