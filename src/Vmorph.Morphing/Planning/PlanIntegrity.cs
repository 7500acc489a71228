using System.Collections.Immutable;
using System.Text.Json;
using Vmorph.Configuration;

namespace Vmorph.Planning;

/// <summary>
/// The checks a loaded plan passes beyond its id (an id is a hash anyone can compute again): every inverse is the one
/// the planner derives from its step, the steps are the ones planning again on the recorded host gives, and the file
/// holds exactly what the plan gives. Each finding names the step or the JSON path and what differs.
/// </summary>
internal static class PlanIntegrity
{
    private const string Changed = "the file was changed after it was saved";

    /// <summary>
    /// Every step whose inverse is not the planner's: the kind that undoes the step, and its changes with before and
    /// after swapped (<see cref="DeltaBuilder.InverseKind"/>, <see cref="DeltaBuilder.Swap"/>, the planner's own code).
    /// </summary>
    public static IEnumerable<string> Inverses(Plan plan)
    {
        foreach (var step in plan.Steps)
        {
            var where = $"step {step.Index} ({step.Subject})";
            var kind = DeltaBuilder.InverseKind(step.Kind, step.Changes);
            if (step.Inverse.Kind != kind)
                yield return $"{where}: its inverse is {Name(step.Inverse.Kind)}, but the step ({Name(step.Kind)}) is undone by {Name(kind)}; {Changed}";
            var expected = DeltaBuilder.Swap(step.Changes);
            var found = false;
            foreach (var undo in expected)
            {
                var inFile = step.Inverse.Changes.Where(c => c.Path == undo.Path).ToList();
                if (inFile.Count == 0)
                {
                    found = true;
                    yield return $"{where}: its inverse does not restore {ValueText.Display(undo.Path)}, but undoing the step {Sets(undo.Path, undo.After)}; {Changed}";
                    continue;
                }
                if (inFile[0].After != undo.After)
                {
                    found = true;
                    yield return $"{where}: its inverse {Sets(undo.Path, inFile[0].After)}, but undoing the step {(undo.After is null ? "removes it" : "sets " + ValueText.Format(undo.Path, undo.After))}; {Changed}";
                }
                if (inFile[0].Before != undo.Before)
                {
                    found = true;
                    yield return $"{where}: its inverse expects {ValueText.Display(undo.Path)} at {ValueText.Format(undo.Path, inFile[0].Before)}, but the step leaves it at {ValueText.Format(undo.Path, undo.Before)}; {Changed}";
                }
            }
            foreach (var extra in step.Inverse.Changes.Where(c => !expected.Any(e => e.Path == c.Path)))
            {
                found = true;
                yield return $"{where}: its inverse {Sets(extra.Path, extra.After)}, which the step does not change; {Changed}";
            }
            if (!found && !step.Inverse.Changes.SequenceEqual(expected))
                yield return $"{where}: its inverse's changes are not the step's undone, in order; {Changed}";
        }
    }

    /// <summary>
    /// Plans again from the plan's base configuration to the configuration its steps lead to, on the host capabilities
    /// and with the snapshot policy recorded in it, and reports every field of every step that differs. Nothing when
    /// the plan records no capabilities (made before they were recorded, or by a caller that had none). A step's risk
    /// may be sharper in the file than planning again gives (the VM's usage, which is not recorded, raises the risk of
    /// taking vCPUs or memory away to high); never milder.
    /// </summary>
    public static IEnumerable<string> Replanned(Plan plan, VmConfiguration baseConfiguration, VmConfiguration expected)
    {
        if (plan.Capabilities is not { } host) yield break;
        var again = DeltaBuilder.Build(baseConfiguration, expected, host, plan.Guest, usage: null, plan.Snapshot);
        if (!again.IsSuccess)
        {
            foreach (var error in again.Errors) yield return $"planning again from base.configuration on the recorded host fails: {error}; {Changed}";
            yield break;
        }
        var derived = again.Value.Steps;
        if (derived.Length != plan.Steps.Length)
        {
            yield return $"the file has {plan.Steps.Length} steps, but planning again from base.configuration to where they lead gives {derived.Length}; {Changed}";
            yield break;
        }
        for (var i = 0; i < derived.Length; i++)
        {
            var f = plan.Steps[i];
            var g = derived[i];
            var where = $"step {f.Index} ({f.Subject})";
            var differences = new List<(string Field, string InFile, string Planned)>();
            void Compare(string field, string inFile, string planned)
            {
                if (inFile != planned) differences.Add((field, inFile, planned));
            }
            Compare("kind", Name(f.Kind), Name(g.Kind));
            Compare("subject", f.Subject, g.Subject);
            Compare("changes", Changes(f.Changes), Changes(g.Changes));
            Compare("mode", Name(f.Mode), Name(g.Mode));
            Compare("channel", Name(f.Channel), Name(g.Channel));
            Compare("preconditions", Preconditions(f.Preconditions), Preconditions(g.Preconditions));
            var sharperByUsage = g.Kind is StepKind.SetVcpus or StepKind.SetMemory && g.Risk.Level == RiskLevel.Medium && f.Risk.Level == RiskLevel.High;
            if (!sharperByUsage) Compare("risk", Risk(f.Risk), Risk(g.Risk));
            Compare("requiresSnapshot", f.RequiresSnapshot ? "true" : "false", g.RequiresSnapshot ? "true" : "false");
            Compare("snapshotReason", f.SnapshotReason ?? "(none)", g.SnapshotReason ?? "(none)");
            // The inverse's kind and changes were checked against the step above; these follow from the host.
            Compare("inverse's mode", Name(f.Inverse.Mode), Name(g.Inverse.Mode));
            Compare("inverse's mechanism", Name(f.Inverse.Mechanism), Name(g.Inverse.Mechanism));
            Compare("inverse's note", f.Inverse.Note ?? "(none)", g.Inverse.Note ?? "(none)");
            foreach (var (field, inFile, planned) in differences)
                yield return $"{where}: its {field} {(field is "changes" or "preconditions" ? "are" : "is")} {inFile}, but planning it again on {host.Name} gives {planned}; {Changed}";
        }
    }

    /// <summary>
    /// The first place where the JSON read (<paramref name="actual"/>) differs from the plan's own JSON
    /// (<paramref name="expected"/>), as <c>$.steps[1].changes[0].display is "...", but the plan gives "..."</c>; null when
    /// they are the same. Property names are compared exactly; numbers by value.
    /// </summary>
    public static string? FirstDifference(JsonElement actual, JsonElement expected, string path)
    {
        if (actual.ValueKind != expected.ValueKind && !(IsBoolean(actual) && IsBoolean(expected)))
            return $"{path} is {PlanFile.Shorten(actual.GetRawText())}, but the plan gives {PlanFile.Shorten(expected.GetRawText())}";
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in actual.EnumerateObject())
                {
                    if (!seen.Add(property.Name)) return $"{path}.{property.Name} appears twice";
                    if (!expected.TryGetProperty(property.Name, out _)) return $"{path}.{property.Name} is not part of a plan (property names are case-sensitive)";
                }
                foreach (var property in expected.EnumerateObject())
                {
                    if (!actual.TryGetProperty(property.Name, out var value)) return $"{path}.{property.Name} is missing";
                    if (FirstDifference(value, property.Value, $"{path}.{property.Name}") is { } difference) return difference;
                }
                return null;
            case JsonValueKind.Array:
                if (actual.GetArrayLength() != expected.GetArrayLength())
                    return $"{path} has {actual.GetArrayLength()} entries, but the plan gives {expected.GetArrayLength()}";
                var i = 0;
                foreach (var (a, e) in actual.EnumerateArray().Zip(expected.EnumerateArray()))
                    if (FirstDifference(a, e, $"{path}[{i++}]") is { } difference) return difference;
                return null;
            case JsonValueKind.Number:
                return actual.TryGetDecimal(out var x) && expected.TryGetDecimal(out var y) ? x == y ? null : Differs()
                    : actual.GetRawText() == expected.GetRawText() ? null : Differs();
            case JsonValueKind.String:
                return actual.GetString() == expected.GetString() ? null : Differs();
            default:
                return actual.ValueKind == expected.ValueKind ? null : Differs();
        }

        string Differs() => $"{path} is {PlanFile.Shorten(actual.GetRawText())}, but the plan gives {PlanFile.Shorten(expected.GetRawText())}";
    }

    private static bool IsBoolean(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False;

    private static string Sets(string path, string? value) =>
        value is null ? $"removes {ValueText.Display(path)}" : $"sets {ValueText.Display(path)} to {ValueText.Format(path, value)}";

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    private static string Changes(ImmutableArray<ConfigurationChange> changes) =>
        changes.IsEmpty ? "(none)" : string.Join(", ", changes.Select(PlanRenderer.Change));

    private static string Preconditions(ImmutableArray<Precondition> preconditions) =>
        preconditions.IsEmpty ? "(none)" : string.Join("; ", preconditions.Select(p => p.Value is null ? $"{Name(p.Kind)}: {p.Description}" : $"{Name(p.Kind)} {p.Value}: {p.Description}"));

    private static string Risk(StepRisk risk) => $"{Name(risk.Level)} ({risk.Reason})";
}
