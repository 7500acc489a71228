using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vmorph.Configuration;
using Vmorph.Identity;

namespace Vmorph.Planning;

/// <summary>
/// Plans as JSON: the <c>--output json</c> view and saved plan files (<c>--out plan.json</c>), one format with a
/// version. Loading bounds the input (size, depth), checks the version and that the content is intact (the base
/// configuration matches its hash, the steps lead to the expected hash, the id matches the content) and never trusts
/// what rollback would run: every inverse is derived again from its step, the steps are planned again on the recorded
/// host capabilities, and the file must be exactly the plan's own JSON. A plan file that was edited is refused, naming
/// what and where, rather than applied or rolled back.
/// </summary>
public static class PlanFile
{
    /// <summary>The document kind.</summary>
    public const string Kind = "vmorph-plan";

    /// <summary>The format version written; bump it with a reader for the old one when the schema changes.</summary>
    public const int FormatVersion = 2;

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
        Kind, FormatVersion, plan.Id, plan.Vm.Value, plan.VmName, plan.TargetProfile, plan.TargetProfileSource, plan.Host,
        plan.Capabilities is { } capabilities ? HostCapabilitiesDocument.Of(capabilities) : null, plan.Guest, plan.Snapshot,
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

    /// <summary>The largest plan file read, in bytes (4 MiB; a plan of a thousand steps is a few hundred KiB).</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>The deepest nesting read (a plan nests six deep: steps, a step, its inverse, its changes, a change).</summary>
    public const int MaxDepth = 16;

    /// <summary>
    /// Reads a plan from JSON text; every problem is reported, naming <paramref name="source"/>. Text over
    /// <see cref="MaxBytes"/> or nested deeper than <see cref="MaxDepth"/> is refused before it is read.
    /// </summary>
    public static Result<Plan> Load(string json, string source = "plan file")
    {
        if (json.Length > MaxBytes || System.Text.Encoding.UTF8.GetByteCount(json) > MaxBytes)
            return Result<Plan>.Fail($"{source}: larger than {MaxBytes / (1024 * 1024)} MiB; not a plan vmorph wrote");
        JsonDocument probe;
        try
        {
            probe = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            return Result<Plan>.Fail($"{source}: not valid JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}: {Why(e)}");
        }
        using (probe)
        {
            var root = probe.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != Kind)
                return Result<Plan>.Fail($"{source}: not a vmorph plan (its \"kind\" is not \"{Kind}\")");
            if (!root.TryGetProperty("formatVersion", out var version))
                return Result<Plan>.Fail($"{source}: formatVersion is missing; it must be the number {FormatVersion} (this vmorph reads format {FormatVersion})");
            if (version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out var legacy) && legacy == 1)
                return Result<Plan>.Fail($"{source}: formatVersion 1 was written by an earlier vmorph, whose plan ids did not cover the steps' inverses, so it cannot be trusted; make the plan again with this vmorph (format {FormatVersion})");
            if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var number) || number != FormatVersion)
                return Result<Plan>.Fail($"{source}: formatVersion must be the number {FormatVersion} (this vmorph reads format {FormatVersion}), not {Shorten(version.GetRawText())}; make the plan again with this vmorph");
            PlanDocument? document;
            try
            {
                document = root.Deserialize<PlanDocument>(JsonOptions);
            }
            catch (JsonException e)
            {
                return Result<Plan>.Fail($"{source}: {(string.IsNullOrEmpty(e.Path) ? "$" : e.Path)}: not a value a plan has there (a wrong type, or a name vmorph does not know)");
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or NotSupportedException or ArgumentException)
            {
                return Result<Plan>.Fail($"{source}: not a readable plan: a value has the wrong form");
            }
            if (document is null) return Result<Plan>.Fail($"{source}: empty");
            var plan = FromDocument(document, source);
            if (!plan.IsSuccess) return plan;
            // Everything a plan says is checked above; what is left (display texts, symbols, the summary, unknown or
            // misspelt properties) must be exactly what the plan itself gives, so that no reader of the file is misled.
            using var expected = JsonSerializer.SerializeToDocument(ToDocument(plan.Value), JsonOptions);
            return PlanIntegrity.FirstDifference(root, expected.RootElement, "$") is { } difference
                ? Result<Plan>.Fail($"{source}: {difference}; the file was changed after it was saved")
                : plan;
        }
    }

    private static string Why(JsonException e)
    {
        var message = e.Message;
        if (message.Contains("depth", StringComparison.OrdinalIgnoreCase)) return $"nested deeper than {MaxDepth} levels (a plan nests at most 6)";
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return OneLine((cut >= 0 ? message[..cut] : message).TrimEnd(' ', '.', '|'));
    }

    // An exception's own message without .NET's "(Parameter 'x')", on one line.
    private static string Words(Exception e) =>
        OneLine(e is ArgumentException { ParamName: { } name } && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
            ? e.Message[..^$" (Parameter '{name}')".Length]
            : e.Message);

    // JSON's messages quote the text they stopped at, line breaks included: shown escaped, so the message is one line.
    private static string OneLine(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    /// <summary>
    /// Rebuilds a plan from its document, checking that it is intact: the base configuration matches its hash, the steps
    /// follow from it and lead to the expected hash, every inverse is the one the planner derives from its step (never
    /// taken from the file), the steps are those planning again gives on the recorded host, and the id matches the
    /// content. Every refusal names what and where.
    /// </summary>
    public static Result<Plan> FromDocument(PlanDocument d, string source = "plan file")
    {
        var errors = new List<string>();
        var missing = new (string Name, object? Value)[]
        {
            ("id", d.Id), ("vm", d.Vm), ("vmName", d.VmName), ("targetProfile", d.TargetProfile), ("targetProfileSource", d.TargetProfileSource),
            ("host", d.Host), ("base", d.Base), ("base.hash", d.Base?.Hash), ("base.configuration", d.Base?.Configuration), ("expectedHash", d.ExpectedHash),
            ("traits", d.Traits), ("steps", d.Steps.IsDefault ? null : d.Steps),
        }.Where(f => f.Value is null).Select(f => f.Name).ToList();
        if (missing.Count > 0) return Result<Plan>.Fail($"{source}: incomplete: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing");
        if (!VmId.IsValid(d.Vm, out var why)) return Result<Plan>.Fail($"{source}: vm: '{d.Vm}' is not valid: {why}");
        if (d.Base!.Configuration.Any(p => p.Value is null)) return Result<Plan>.Fail($"{source}: base.configuration: a value is null");
        VmConfiguration baseConfiguration;
        HostCapabilities? capabilities;
        try
        {
            baseConfiguration = ConfigurationEditor.FromFlat(d.Base.Configuration);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            return Result<Plan>.Fail($"{source}: base.configuration: {Words(e)}");
        }
        try
        {
            capabilities = d.HostCapabilities?.ToCapabilities();
        }
        catch (ArgumentException)
        {
            return Result<Plan>.Fail($"{source}: hostCapabilities.memoryBytes: {d.HostCapabilities!.MemoryBytes} is not a size");
        }
        if (capabilities is not null && (capabilities.Name != d.Host || d.HostCapabilities!.Name is null))
            errors.Add($"{source}: hostCapabilities.name '{capabilities.Name}' is not the plan's host '{d.Host}'; the file was changed after it was saved");
        if (baseConfiguration.ContentHash() != d.Base.Hash)
            errors.Add($"{source}: base.configuration does not match base.hash {d.Base.Hash}; the file was edited or is damaged");

        var steps = ImmutableArray.CreateBuilder<PlanStep>();
        var position = 0;
        foreach (var s in d.Steps)
        {
            position++;
            if (s is null || s.Subject is null || s.Changes.IsDefault || s.Changes.Any(c => c?.Path is null) || s.Inverse is null || s.Inverse.Changes.IsDefault
                || s.Inverse.Changes.Any(c => c?.Path is null) || s.Preconditions.IsDefault || s.Preconditions.Any(p => p?.Description is null) || s.Risk?.Reason is null)
            {
                errors.Add($"{source}: step {s?.Index ?? position}: incomplete");
                continue;
            }
            steps.Add(new PlanStep(
                s.Index, s.Kind, s.Subject, [.. s.Changes.Select(Change)], s.Mode, s.Channel,
                new InverseStep(s.Inverse.Kind, [.. s.Inverse.Changes.Select(Change)], s.Inverse.Mode, s.Inverse.Mechanism, s.Inverse.Note),
                [.. s.Preconditions.Select(p => new Precondition(p.Kind, p.Description, p.Value))], s.Risk, s.RequiresSnapshot, s.SnapshotReason));
        }
        if (!d.Traits.Traits.IsDefault && d.Traits.Traits.Any(t => t?.Trait is null)) errors.Add($"{source}: traits: a trait is incomplete");
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
            Capabilities = capabilities,
            Guest = d.Guest,
            Snapshot = d.Snapshot,
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
        // Inverses are what rollback runs: never trusted from the file, always derived again from their steps.
        errors.AddRange(PlanIntegrity.Inverses(plan).Select(e => $"{source}: {e}"));
        if (applied.IsSuccess && errors.Count == 0)
            errors.AddRange(PlanIntegrity.Replanned(plan, baseConfiguration, applied.Value).Select(e => $"{source}: {e}"));
        if (Plan.ComputeId(plan) != d.Id)
            errors.Add($"{source}: id {d.Id} does not match the plan's content (the VM and its name, the target profile, the host, the base configuration, the steps with their risks, preconditions and inverses); the file was changed after it was saved");
        return errors.Count == 0 ? Result<Plan>.Ok(plan) : Result<Plan>.Fail(errors);
    }

    private static ChangeDocument Document(ConfigurationChange c) => new(c.Path, c.Before, c.After, PlanRenderer.Change(c));

    private static PreconditionDocument Document(Precondition p) => new(p.Kind, p.Description, p.Value);

    private static ConfigurationChange Change(ChangeDocument c) => new(c.Path, c.Before, c.After);
}
