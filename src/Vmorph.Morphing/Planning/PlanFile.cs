using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vmorph.Configuration;
using Vmorph.Identity;

namespace Vmorph.Planning;

/// <summary>
/// Plans as JSON: the <c>--output json</c> view and saved plan files (<c>--out plan.json</c>), one format with a
/// version. Loading checks the version and that the content is intact (the base configuration matches its hash, the
/// steps lead to the expected hash, the id matches the content), so a plan file that was edited by hand is refused
/// rather than applied.
/// </summary>
public static class PlanFile
{
    /// <summary>The document kind.</summary>
    public const string Kind = "vmorph-plan";

    /// <summary>The format version written; bump it with a reader for the old one when the schema changes.</summary>
    public const int FormatVersion = 1;

    /// <summary>The JSON options plans are written and read with.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Plans are read by people and tools, never embedded in HTML: keep '->' and quotes readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false), new VmIdJsonConverter() },
    };

    /// <summary>The plan as its JSON document.</summary>
    public static PlanDocument ToDocument(Plan plan) => new(
        Kind, FormatVersion, plan.Id, plan.Vm.Value, plan.VmName, plan.TargetProfile, plan.TargetProfileSource, plan.Host, plan.Guest,
        plan.CreatedAt, new BaseDocument(plan.BaseHash, plan.Base), plan.ExpectedHash,
        new TraitsDocument(Math.Round(plan.Traits.Distance, 4), [.. plan.Traits.Traits.Select(t => t with
        {
            Actual = t.Actual is { } a ? Math.Round(a, 4) : null,
            Difference = Math.Round(t.Difference, 4),
        })]),
        plan.Delta.SnapshotRequired, plan.Delta.RestartRequired,
        [.. plan.Delta.SnapshotPreconditions.Select(Document)],
        [.. plan.Steps.Select(s => new StepDocument(
            s.Index, s.Kind, s.Symbol.ToString(), s.Subject, s.Mode, s.Channel,
            [.. s.Changes.Select(Document)],
            new InverseDocument(s.Inverse.Kind, s.Inverse.Mode, s.Inverse.Mechanism, [.. s.Inverse.Changes.Select(Document)], s.Inverse.Note),
            [.. s.Preconditions.Select(Document)], s.Risk, s.RequiresSnapshot, s.SnapshotReason))],
        new SummaryDocument(plan.Summary.Add, plan.Summary.Change, plan.Summary.Destroy, plan.Summary.Live, plan.Summary.Restart, plan.Summary.ToString()));

    /// <summary>The plan as JSON text (ends with a newline).</summary>
    public static string Save(Plan plan) => JsonSerializer.Serialize(ToDocument(plan), JsonOptions) + "\n";

    /// <summary>Reads a plan from JSON text; every problem is reported, naming <paramref name="source"/>.</summary>
    public static Result<Plan> Load(string json, string source = "plan file")
    {
        PlanDocument? document;
        try
        {
            using var probe = JsonDocument.Parse(json);
            var root = probe.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != Kind)
                return Result<Plan>.Fail($"{source}: not a vmorph plan (its \"kind\" is not \"{Kind}\")");
            if (!root.TryGetProperty("formatVersion", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != FormatVersion)
                return Result<Plan>.Fail($"{source}: plan format {(root.TryGetProperty("formatVersion", out var v) ? v.ToString() : "(missing)")} is not supported; this vmorph reads format {FormatVersion}; make the plan again");
            document = JsonSerializer.Deserialize<PlanDocument>(json, JsonOptions);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return Result<Plan>.Fail($"{source}: not a readable plan: {e.Message}");
        }
        if (document is null) return Result<Plan>.Fail($"{source}: empty");
        return FromDocument(document, source);
    }

    /// <summary>Rebuilds a plan from its document, checking that it is intact.</summary>
    public static Result<Plan> FromDocument(PlanDocument d, string source = "plan file")
    {
        var errors = new List<string>();
        if (!VmId.IsValid(d.Vm, out var why)) return Result<Plan>.Fail($"{source}: vm: '{d.Vm}' is not valid: {why}");
        if (d.Base?.Configuration is null || d.Steps.IsDefault || d.Traits is null)
            return Result<Plan>.Fail($"{source}: incomplete: base, steps and traits are required");
        VmConfiguration baseConfiguration;
        try
        {
            baseConfiguration = ConfigurationEditor.FromFlat(d.Base.Configuration);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            return Result<Plan>.Fail($"{source}: base.configuration: {e.Message}");
        }
        if (baseConfiguration.ContentHash() != d.Base.Hash)
            errors.Add($"{source}: base.configuration does not match base.hash {d.Base.Hash}; the file was edited or is damaged");

        var steps = ImmutableArray.CreateBuilder<PlanStep>();
        foreach (var s in d.Steps)
        {
            if (s.Changes.IsDefault || s.Inverse is null || s.Inverse.Changes.IsDefault || s.Preconditions.IsDefault || s.Risk is null)
            {
                errors.Add($"{source}: step {s.Index}: incomplete");
                continue;
            }
            steps.Add(new PlanStep(
                s.Index, s.Kind, s.Subject, [.. s.Changes.Select(Change)], s.Mode, s.Channel,
                new InverseStep(s.Inverse.Kind, [.. s.Inverse.Changes.Select(Change)], s.Inverse.Mode, s.Inverse.Mechanism, s.Inverse.Note),
                [.. s.Preconditions.Select(p => new Precondition(p.Kind, p.Description, p.Value))], s.Risk, s.RequiresSnapshot, s.SnapshotReason));
        }
        // Names end up in argument vectors run in the guest: a plan file is checked again, whatever its id says.
        foreach (var change in steps.SelectMany(s => s.Changes.Concat(s.Inverse.Changes)).Where(c => c.Path.StartsWith("guest.", StringComparison.Ordinal)))
        {
            var key = change.Path["guest.".Length..];
            if ((GuestKeys.Problem(key, change.After) ?? GuestKeys.Problem(key, change.Before)) is { } problem && !errors.Contains($"{source}: {problem}")) errors.Add($"{source}: {problem}");
        }
        if (errors.Count > 0) return Result<Plan>.Fail(errors);
        if (!steps.Select((s, i) => s.Index == i + 1).All(x => x)) return Result<Plan>.Fail($"{source}: steps are not numbered 1, 2, 3, ...");

        var plan = new Plan
        {
            Id = d.Id,
            Vm = new VmId(d.Vm),
            VmName = d.VmName,
            TargetProfile = d.TargetProfile,
            TargetProfileSource = d.TargetProfileSource,
            Host = d.Host,
            Guest = d.Guest,
            CreatedAt = d.CreatedAt,
            BaseHash = d.Base.Hash,
            Base = d.Base.Configuration.WithComparers(StringComparer.Ordinal),
            ExpectedHash = d.ExpectedHash,
            Traits = new TraitComparison(d.Traits.Traits.IsDefault ? [] : d.Traits.Traits, d.Traits.Distance),
            Delta = new ConfigurationDelta(steps.ToImmutable()),
        };
        var applied = ConfigurationEditor.ApplyChecked(baseConfiguration, plan.Steps.SelectMany(s => s.Changes));
        if (!applied.IsSuccess) errors.AddRange(applied.Errors.Select(e => $"{source}: steps do not follow from the base configuration: {e}"));
        else if (applied.Value.ContentHash() != d.ExpectedHash)
            errors.Add($"{source}: the steps do not lead to expectedHash {d.ExpectedHash}; the file was edited or is damaged");
        if (Plan.ComputeId(plan) != d.Id) errors.Add($"{source}: id {d.Id} does not match the plan's content; the file was edited or is damaged");
        return errors.Count == 0 ? Result<Plan>.Ok(plan) : Result<Plan>.Fail(errors);
    }

    private static ChangeDocument Document(ConfigurationChange c) => new(c.Path, c.Before, c.After, PlanRenderer.Change(c));

    private static PreconditionDocument Document(Precondition p) => new(p.Kind, p.Description, p.Value);

    private static ConfigurationChange Change(ChangeDocument c) => new(c.Path, c.Before, c.After);
}
