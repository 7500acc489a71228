using System.Text.Json.Serialization;
using Vmorph.Guard;

namespace Vmorph.Morphs;

/// <summary>
/// Something the engine must do for a morph, after the state that asks for it is in the journal. Each is idempotent,
/// so doing it again after a crash is safe. Drivers carry them out and report a <see cref="MorphEvent"/>
/// (see <see cref="IMorphDriver"/>).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TakeSnapshot), "take-snapshot")]
[JsonDerivedType(typeof(Proceed), "proceed")]
[JsonDerivedType(typeof(ApplyStep), "apply-step")]
[JsonDerivedType(typeof(StartObservation), "start-observation")]
[JsonDerivedType(typeof(RecordVerdict), "record-verdict")]
[JsonDerivedType(typeof(InvertStep), "invert-step")]
[JsonDerivedType(typeof(RestartVm), "restart-vm")]
[JsonDerivedType(typeof(RevertSnapshot), "revert-snapshot")]
[JsonDerivedType(typeof(Commit), "commit")]
[JsonDerivedType(typeof(DeleteSnapshot), "delete-snapshot")]
[JsonDerivedType(typeof(MarkFailed), "mark-failed")]
[JsonDerivedType(typeof(ReleaseLease), "release-lease")]
public abstract record MorphAction;

/// <summary>Take a snapshot of memory and disks (deleting a partial one of the same name first). Reports <see cref="SnapshotTaken"/> or <see cref="SnapshotFailed"/>.</summary>
/// <param name="Name">The snapshot's name.</param>
public sealed record TakeSnapshot(string Name) : MorphAction;

/// <summary>Nothing outside: feed <see cref="Proceeded"/> at once. It gives the journal a durable "snapshotted" point before any change.</summary>
public sealed record Proceed : MorphAction;

/// <summary>Carry out plan step <paramref name="Step"/>. Reports <see cref="StepApplied"/> or <see cref="StepFailed"/>.</summary>
/// <param name="Step">The step, from 1.</param>
public sealed record ApplyStep(int Step) : MorphAction;

/// <summary>Observe the VM until <paramref name="Until"/>, then judge it with the guard. Reports <see cref="ObservationEnded"/>.</summary>
/// <param name="Until">When the window ends.</param>
public sealed record StartObservation(DateTimeOffset Until) : MorphAction;

/// <summary>Store the guard's verdict and its numbers with the morph. Reports nothing.</summary>
/// <param name="Verdict">The verdict.</param>
public sealed record RecordVerdict(GuardVerdict Verdict) : MorphAction;

/// <summary>Carry out the inverse of plan step <paramref name="Step"/>. Reports <see cref="InverseApplied"/> or <see cref="InverseFailed"/>.</summary>
/// <param name="Step">The step whose inverse to carry out.</param>
public sealed record InvertStep(int Step) : MorphAction;

/// <summary>Restart the VM so that restart-mode inverses take effect. Reports <see cref="Restarted"/> or <see cref="RestartFailed"/>.</summary>
public sealed record RestartVm : MorphAction;

/// <summary>Revert the snapshot. Reports <see cref="Reverted"/> or <see cref="RevertFailed"/>.</summary>
/// <param name="Name">The snapshot.</param>
/// <param name="Discarding">What the revert discards, to be shown and stored.</param>
public sealed record RevertSnapshot(string Name, string Discarding) : MorphAction;

/// <summary>Record the VM's new configuration as a committed version. Reports nothing.</summary>
/// <param name="ExpectedHash">The configuration hash the VM now has.</param>
public sealed record Commit(string ExpectedHash) : MorphAction;

/// <summary>Delete the snapshot (missing is fine). Reports nothing.</summary>
/// <param name="Name">The snapshot.</param>
public sealed record DeleteSnapshot(string Name) : MorphAction;

/// <summary>Raise the failure to people (log, alert, status). Reports nothing.</summary>
/// <param name="Reason">Why it failed and what a person should look at.</param>
public sealed record MarkFailed(string Reason) : MorphAction;

/// <summary>Release the VM's morph lease so that another morph may start. Reports nothing.</summary>
public sealed record ReleaseLease : MorphAction;
