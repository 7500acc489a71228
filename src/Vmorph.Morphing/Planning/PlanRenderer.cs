using System.Globalization;
using System.Text;
using Vmorph.Configuration;

namespace Vmorph.Planning;

/// <summary>
/// Renders a plan for people, like <c>terraform plan</c>: the trait comparison, then one line per change marked
/// <c>+</c> (added), <c>~</c> (changed) or <c>-</c> (removed) with <c>(live)</c>, <c>(restart)</c> or <c>(guest)</c>,
/// the risk of the steps that have one worth reading, how the high-risk steps (or, asked for, every step) are undone,
/// and the one-line summary. Deterministic: the same plan renders the same text (golden-file tested).
/// </summary>
public static class PlanRenderer
{
    /// <summary>
    /// The plan as text, lines ending in '\n'. Under each high-risk step that changes something, and under every such
    /// step when <paramref name="inverses"/> is set, an <c>undo:</c> line says what rollback does: the inverse's
    /// changes, or reverting the snapshot.
    /// </summary>
    public static string Text(Plan plan, bool inverses = false)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        var invariant = CultureInfo.InvariantCulture;

        Line($"vmorph plan {plan.Id}: VM '{plan.VmName}' -> target profile '{plan.TargetProfile}'");
        Line(string.Create(invariant, $"  made {plan.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z against configuration {plan.BaseHash[..12]} on {plan.Host}, guest access: {plan.Guest.ToString().ToLowerInvariant()}"));
        if (!plan.Traits.Traits.IsEmpty)
        {
            Line();
            Line("Traits (expected -> this VM):");
            var width = plan.Traits.Traits.Max(t => t.Trait.Length);
            foreach (var t in plan.Traits.Traits)
                Line(string.Create(invariant, $"  {t.Trait.PadRight(width)}  {t.Expected:0.00} -> {(t.Actual is { } a ? a.ToString("0.00", invariant) : "n/a ")}  ({t.Difference:+0.00;-0.00;0.00})"));
            Line(string.Create(invariant, $"  distance {plan.Traits.Distance:0.00} (0 = matches the target, 1 = as far as can be)"));
        }
        Line();
        if (!plan.HasChanges)
        {
            Line($"No changes. VM '{plan.VmName}' already has the configuration of target profile '{plan.TargetProfile}'.");
            return text.ToString();
        }
        var needSnapshot = plan.Steps.Where(s => s.RequiresSnapshot).Select(s => s.Index.ToString(invariant)).ToList();
        var undoneByRestart = plan.Steps
            .Where(s => s.Kind != StepKind.RestartVm && s.Inverse.Mode == StepMode.Restart && !s.RequiresSnapshot)
            .Select(s => s.Index.ToString(invariant)).ToList();
        Line(needSnapshot.Count > 0
            ? $"vmorph will take a snapshot first ({Steps(needSnapshot)} cannot be undone live), then:"
            : undoneByRestart.Count > 0
                ? $"vmorph will carry out these steps with no snapshot ({Steps(undoneByRestart)} would be undone by a restart):"
                : "vmorph will carry out these steps (every one can be undone live):");
        Line();
        var indexWidth = plan.Steps.Length.ToString(invariant).Length;
        foreach (var step in plan.Steps)
        {
            var number = step.Index.ToString(invariant).PadLeft(indexWidth);
            var blank = new string(' ', indexWidth);
            var mark = step.Channel == StepChannel.Guest ? "guest" : step.Mode == StepMode.Live ? "live" : "restart";
            if (step.Kind == StepKind.RestartVm)
                Line($"  {number} ! restart the VM: the steps above marked (restart) take effect");
            else
                for (var i = 0; i < step.Changes.Length; i++)
                    Line($"  {(i == 0 ? number : blank)} {Change(step.Changes[i])} ({mark})");
            if (step.Risk.Level != RiskLevel.Low)
                Line($"  {blank}     risk {step.Risk.Level.ToString().ToLowerInvariant()}: {step.Risk.Reason}");
            if ((inverses || step.Risk.Level == RiskLevel.High) && step.Kind != StepKind.RestartVm)
                foreach (var line in Undo(step)) Line($"  {blank}     {line}");
        }
        Line();
        Line(plan.Summary.ToString());
        return text.ToString();
    }

    /// <summary>
    /// How a step is undone, as plan lines: <c>undo: ~ memory.current: 512 MiB -> 1 GiB (live)</c>, one line per change,
    /// or <c>undo: revert the snapshot (why)</c>.
    /// </summary>
    public static IEnumerable<string> Undo(PlanStep step)
    {
        var inverse = step.Inverse;
        if (inverse.Mechanism == InverseMechanism.Snapshot)
        {
            yield return $"undo: revert the snapshot{(inverse.Note is null ? "" : $" ({inverse.Note})")}";
            yield break;
        }
        var mark = step.Channel == StepChannel.Guest ? "guest" : inverse.Mode == StepMode.Live ? "live" : "restart";
        for (var i = 0; i < inverse.Changes.Length; i++)
            yield return $"{(i == 0 ? "undo:" : "     ")} {Change(inverse.Changes[i])} ({mark}){(i == inverse.Changes.Length - 1 && inverse.Note is not null ? $"; {inverse.Note}" : "")}";
    }

    private static string Steps(List<string> indexes) => (indexes.Count == 1 ? "step " : "steps ") + string.Join(", ", indexes);

    /// <summary>One change as a plan line: <c>~ vcpus.current: 1 -> 2</c>, <c>+ package.nginx</c>, <c>- package.telnetd</c>.</summary>
    public static string Change(ConfigurationChange change)
    {
        var path = ValueText.Display(change.Path);
        var package = path.StartsWith("package.", StringComparison.Ordinal);
        return change.Kind switch
        {
            '+' when package && change.After == GuestKeys.Installed => $"+ {path}",
            '+' => $"+ {path} = {ValueText.Format(change.Path, change.After)}",
            '-' when package => $"- {path}",
            '-' => $"- {path} (was {ValueText.Format(change.Path, change.Before)})",
            _ => $"~ {path}: {ValueText.Format(change.Path, change.Before)} -> {ValueText.Format(change.Path, change.After)}",
        };
    }
}
