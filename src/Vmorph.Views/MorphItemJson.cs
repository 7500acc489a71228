using System.Text.Json;
using Vmorph.Guard;
using Vmorph.Morphing;
using Vmorph.Morphs;

namespace Vmorph.Views;

/// <summary>
/// A morph in a list (<c>vmorph morphs VM -o json</c>, <c>GET /api/v1/vms/{vm}/morphs</c>): what it carried out, where
/// it is, and how it ended. <c>result</c> is <c>committed</c>, <c>rolled-back</c>, <c>failed</c> or <c>running</c>.
/// </summary>
public sealed record MorphItemJson(
    string MorphId, string Vm, string VmName, string Kind, string Target, string PlanId, string Phase,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool Finished, string Result, int? CommittedVersion,
    GuardVerdict? GuardVerdict, string? Discarded, IReadOnlyList<string> Notes)
{
    /// <summary>From a stored morph.</summary>
    public static MorphItemJson From(MorphRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new MorphItemJson(
            r.MorphId, r.Vm.Value, r.VmName, r.Kind == MorphKind.Apply ? "apply" : "rollback", r.Target, r.PlanId,
            Kebab(r.Phase.ToString()), r.CreatedAt, r.UpdatedAt, r.Finished,
            r.Phase switch
            {
                MorphPhase.Committed => "committed",
                MorphPhase.RolledBack => "rolled-back",
                MorphPhase.Failed => "failed",
                _ => "running",
            },
            r.CommittedVersion, r.Verdict, r.Discarded, r.Notes?.Split('\n') ?? []);
    }

    internal static string Kebab(string name) => JsonNamingPolicy.KebabCaseLower.ConvertName(name);
}

/// <summary><c>vmorph morphs VM -o json</c>: a VM's morphs, newest first.</summary>
public sealed record MorphsJson(string Id, string Name, IReadOnlyList<MorphItemJson> Morphs);

/// <summary>One entry of a morph's journal: its sequence, when, the phase it put the morph in, in words, and what happened.</summary>
public sealed record JournalEntryJson(long Sequence, DateTimeOffset At, string Phase, string State, string Event)
{
    /// <summary>From a journal entry.</summary>
    public static JournalEntryJson From(MorphJournalEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new JournalEntryJson(e.Sequence, e.At, MorphItemJson.Kebab(e.State.Phase.ToString()), e.State.Describe(), MorphItemJson.Kebab(e.Event.GetType().Name));
    }
}

/// <summary>A morph with its whole journal, oldest entry first (<c>GET /api/v1/morphs/{morphId}/journal</c>).</summary>
public sealed record MorphJournalJson(MorphItemJson Morph, IReadOnlyList<JournalEntryJson> Entries);
