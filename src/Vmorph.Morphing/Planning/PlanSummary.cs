namespace Vmorph.Planning;

/// <summary>
/// The counts of a plan's one-line summary, over its setting steps (the restart itself is not counted): how many add a
/// value, change one or remove one; how many are live and how many wait for the restart.
/// </summary>
/// <param name="Add">Steps whose every value is new (<c>+</c>).</param>
/// <param name="Change">Steps that change values (<c>~</c>).</param>
/// <param name="Destroy">Steps that remove every value they touch (<c>-</c>).</param>
/// <param name="Live">Steps that take effect at once (guest steps included).</param>
/// <param name="Restart">Steps that take effect at the restart.</param>
public sealed record PlanSummary(int Add, int Change, int Destroy, int Live, int Restart)
{
    /// <summary>Counts the steps.</summary>
    public static PlanSummary Of(IEnumerable<PlanStep> steps)
    {
        var counted = steps.Where(s => s.Kind != StepKind.RestartVm).ToList();
        return new PlanSummary(
            counted.Count(s => s.Symbol == '+'),
            counted.Count(s => s.Symbol == '~'),
            counted.Count(s => s.Symbol == '-'),
            counted.Count(s => s.Mode == StepMode.Live),
            counted.Count(s => s.Mode == StepMode.Restart));
    }

    /// <summary><c>Plan: 2 to add, 3 to change, 0 to destroy; 4 live, 1 needs a restart.</c></summary>
    public override string ToString() =>
        $"Plan: {Add} to add, {Change} to change, {Destroy} to destroy; {Live} live, {Restart} {(Restart == 1 ? "needs" : "need")} a restart.";
}
