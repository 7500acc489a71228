using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vmorph.Planning;

namespace Vmorph.Morphs;

/// <summary>
/// One entry of a morph's journal: the event, the state it led to, and the actions to run once the entry is durable.
/// The store appends entries with a version check (sequence = the last one's + 1; a conflict means another engine
/// holds the morph), and writes each before its actions run, so after a crash the last entry tells what may have been
/// under way. Serialised as JSON with <see cref="JsonOptions"/>.
/// </summary>
/// <param name="Sequence">1 for the first entry, then one more each.</param>
/// <param name="MorphId">The morph.</param>
/// <param name="Event">What happened.</param>
/// <param name="State">The state after it.</param>
/// <param name="Actions">What to do next, in order.</param>
public sealed record MorphJournalEntry(long Sequence, string MorphId, MorphEvent Event, MorphState State, ImmutableArray<MorphAction> Actions)
{
    /// <summary>When (the event's time).</summary>
    [JsonIgnore]
    public DateTimeOffset At => Event.At;

    /// <summary>The JSON options journal entries are stored with (kebab-case enums, a <c>type</c> on events and actions).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(PlanFile.JsonOptions) { WriteIndented = false };

    /// <summary>The first entry of a new morph: planned, no actions (the engine feeds <see cref="MorphStarted"/>).</summary>
    public static MorphJournalEntry First(MorphDefinition definition, DateTimeOffset at) =>
        new(1, definition.MorphId, new MorphCreated(at), MorphState.Planned(definition), []);

    /// <summary>The entry after this one when <paramref name="e"/> happens.</summary>
    public MorphJournalEntry Next(MorphEvent e)
    {
        var transition = MorphMachine.Next(State, e);
        return new MorphJournalEntry(Sequence + 1, MorphId, e, transition.State, transition.Actions);
    }

    /// <summary>The entry as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>An entry from JSON; a damaged entry is an expected failure naming the problem.</summary>
    public static Result<MorphJournalEntry> FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<MorphJournalEntry>(json, JsonOptions) is { } entry
                ? Result<MorphJournalEntry>.Ok(entry)
                : Result<MorphJournalEntry>.Fail("journal entry is empty");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            return Result<MorphJournalEntry>.Fail($"journal entry is not readable: {e.Message}");
        }
    }
}
