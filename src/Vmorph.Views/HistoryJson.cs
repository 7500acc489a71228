using Vmorph.Guard;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Views;

/// <summary><c>vmorph history VM --output json</c>.</summary>
public sealed record HistoryJson(string Id, string Name, string Source, IReadOnlyList<ConfigurationVersionJson> Versions, IReadOnlyList<HistoryMorphJson> Morphs);

/// <summary>A morph in <c>vmorph history --output json</c>.</summary>
public sealed record HistoryMorphJson(
    string Morph, string Kind, string Target, string PlanId, DateTimeOffset CreatedAt, string Phase, bool Finished, int? CommittedVersion,
    string? RollbackReason, string? FailureReason, string? Resolution, GuardVerdict? Verdict, string? Discarded, IReadOnlyList<string> Notes,
    MorphTimingsJson Timings, int JournalEntries, PlanDocument? Plan)
{
    /// <summary>From a morph, its journal and its plan.</summary>
    public static HistoryMorphJson From(MorphRecord r, IReadOnlyList<MorphJournalEntry> entries, Plan? plan)
    {
        var last = entries[^1].State;
        return new HistoryMorphJson(
            r.MorphId, r.Kind == MorphKind.Apply ? "apply" : "rollback", r.Target, r.PlanId, r.CreatedAt,
            System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(last.Phase.ToString()), r.Finished, r.CommittedVersion,
            last.RollbackReason, last.FailureReason, last.Resolution, last.Verdict ?? r.Verdict, r.Discarded, r.Notes?.Split('\n') ?? [],
            MorphTimingsJson.From(MorphTimings.From(entries)), entries.Count, plan is null ? null : PlanFile.ToDocument(plan));
    }
}
