using System.Text.Json.Serialization;
using Vmorph.Guard;

namespace Vmorph.Morphs;

/// <summary>
/// Something that happened to a morph: reported by a driver after an action, by the guard, by a person, or by vmorph
/// itself on restart. Serialised with a <c>type</c> discriminator for the journal.
/// </summary>
/// <param name="At">When (from the injected clock).</param>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(MorphCreated), "created")]
[JsonDerivedType(typeof(MorphStarted), "started")]
[JsonDerivedType(typeof(SnapshotTaken), "snapshot-taken")]
[JsonDerivedType(typeof(SnapshotFailed), "snapshot-failed")]
[JsonDerivedType(typeof(Proceeded), "proceeded")]
[JsonDerivedType(typeof(StepApplied), "step-applied")]
[JsonDerivedType(typeof(StepFailed), "step-failed")]
[JsonDerivedType(typeof(ObservationEnded), "observation-ended")]
[JsonDerivedType(typeof(DegradationSeen), "degradation-seen")]
[JsonDerivedType(typeof(RollbackRequested), "rollback-requested")]
[JsonDerivedType(typeof(InverseApplied), "inverse-applied")]
[JsonDerivedType(typeof(InverseFailed), "inverse-failed")]
[JsonDerivedType(typeof(Restarted), "restarted")]
[JsonDerivedType(typeof(RestartFailed), "restart-failed")]
[JsonDerivedType(typeof(Reverted), "reverted")]
[JsonDerivedType(typeof(RevertFailed), "revert-failed")]
[JsonDerivedType(typeof(ResumedAfterCrash), "resumed-after-crash")]
[JsonDerivedType(typeof(Finalized), "finalized")]
[JsonDerivedType(typeof(Resolved), "resolved")]
public abstract record MorphEvent(DateTimeOffset At);

/// <summary>The morph was created from a plan (the journal's first entry).</summary>
public sealed record MorphCreated(DateTimeOffset At) : MorphEvent(At);

/// <summary>Go: start the morph (after the engine checked the VM still has the plan's base configuration).</summary>
public sealed record MorphStarted(DateTimeOffset At) : MorphEvent(At);

/// <summary>The snapshot exists.</summary>
/// <param name="At">When.</param>
/// <param name="Name">Its name.</param>
public sealed record SnapshotTaken(DateTimeOffset At, string Name) : MorphEvent(At);

/// <summary>The snapshot could not be taken.</summary>
/// <param name="At">When.</param>
/// <param name="Reason">Why, as the driver says.</param>
public sealed record SnapshotFailed(DateTimeOffset At, string Reason) : MorphEvent(At);

/// <summary>The engine carried out a <see cref="Proceed"/> action (nothing outside happened).</summary>
public sealed record Proceeded(DateTimeOffset At) : MorphEvent(At);

/// <summary>A step took effect.</summary>
/// <param name="At">When.</param>
/// <param name="Step">Which.</param>
public sealed record StepApplied(DateTimeOffset At, int Step) : MorphEvent(At);

/// <summary>A step failed; it may have taken effect in part.</summary>
/// <param name="At">When.</param>
/// <param name="Step">Which.</param>
/// <param name="Reason">Why, as the driver says.</param>
public sealed record StepFailed(DateTimeOffset At, int Step, string Reason) : MorphEvent(At);

/// <summary>The observation window ended with the guard's verdict.</summary>
/// <param name="At">When.</param>
/// <param name="Verdict">The verdict.</param>
public sealed record ObservationEnded(DateTimeOffset At, GuardVerdict Verdict) : MorphEvent(At);

/// <summary>
/// The observation window ended with a degradation of a measured signal, which the guard confirms over a second window
/// before it rolls back (<see cref="GuardPolicy.ConfirmDegradation"/>): a workload's phase passes, a degradation the
/// morph caused stays.
/// </summary>
/// <param name="At">When.</param>
/// <param name="Verdict">The verdict of the first window (a roll back).</param>
/// <param name="Until">When the confirmation window ends.</param>
public sealed record DegradationSeen(DateTimeOffset At, GuardVerdict Verdict, DateTimeOffset Until) : MorphEvent(At);

/// <summary>
/// A person (or a policy) asked to roll back. The engine feeds it between actions: in place of running the actions of
/// the latest journal entry, so a step it names was not started.
/// </summary>
/// <param name="At">When.</param>
/// <param name="Reason">Who asked and why.</param>
public sealed record RollbackRequested(DateTimeOffset At, string Reason) : MorphEvent(At);

/// <summary>A step's inverse took effect.</summary>
/// <param name="At">When.</param>
/// <param name="Step">Which step was inverted.</param>
public sealed record InverseApplied(DateTimeOffset At, int Step) : MorphEvent(At);

/// <summary>A step's inverse failed.</summary>
/// <param name="At">When.</param>
/// <param name="Step">Which step.</param>
/// <param name="Reason">Why.</param>
public sealed record InverseFailed(DateTimeOffset At, int Step, string Reason) : MorphEvent(At);

/// <summary>The rollback's restart happened.</summary>
public sealed record Restarted(DateTimeOffset At) : MorphEvent(At);

/// <summary>The rollback's restart failed.</summary>
/// <param name="At">When.</param>
/// <param name="Reason">Why.</param>
public sealed record RestartFailed(DateTimeOffset At, string Reason) : MorphEvent(At);

/// <summary>The snapshot was reverted.</summary>
public sealed record Reverted(DateTimeOffset At) : MorphEvent(At);

/// <summary>The snapshot could not be reverted.</summary>
/// <param name="At">When.</param>
/// <param name="Reason">Why.</param>
public sealed record RevertFailed(DateTimeOffset At, string Reason) : MorphEvent(At);

/// <summary>vmorph started again and found this morph unfinished (after a crash or a kill).</summary>
public sealed record ResumedAfterCrash(DateTimeOffset At) : MorphEvent(At);

/// <summary>The terminal state's actions (clean-up, lease release, alert) have run.</summary>
public sealed record Finalized(DateTimeOffset At) : MorphEvent(At);

/// <summary>A person looked at a failed morph, put the VM right, and says so.</summary>
/// <param name="At">When.</param>
/// <param name="Note">What they did.</param>
public sealed record Resolved(DateTimeOffset At, string Note) : MorphEvent(At);
