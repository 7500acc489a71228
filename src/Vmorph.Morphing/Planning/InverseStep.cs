using System.Collections.Immutable;
using Vmorph.Configuration;

namespace Vmorph.Planning;

/// <summary>
/// How a step is undone: the changes that restore each value it set (its changes with before and after swapped), when
/// that takes effect, and whether an inverse step can do it or only the snapshot can.
/// </summary>
/// <param name="Kind">The kind of the undoing step (the inverse of installing is removing).</param>
/// <param name="Changes">The changes that restore the values before the step.</param>
/// <param name="Mode">Live, or at a restart.</param>
/// <param name="Mechanism">An inverse step, or the snapshot.</param>
/// <param name="Note">Why it is undone this way, when that is not obvious.</param>
public sealed record InverseStep(StepKind Kind, ImmutableArray<ConfigurationChange> Changes, StepMode Mode, InverseMechanism Mechanism, string? Note = null);
