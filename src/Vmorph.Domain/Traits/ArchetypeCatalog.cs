using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Vmorph.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Vmorph.Traits;

/// <summary>
/// The archetypes traits are scored against, with the application and port groups their in-guest features read. Built
/// from YAML: the built-in file shipped with vmorph, then any user files in order; a user archetype or group with the
/// name of an earlier one replaces it. Every error in every file is reported together, naming file, archetype and field.
/// </summary>
public sealed partial class ArchetypeCatalog
{
    private ArchetypeCatalog(ImmutableArray<Archetype> archetypes, ImmutableSortedDictionary<string, ImmutableArray<string>> applicationGroups, ImmutableSortedDictionary<string, ImmutableArray<int>> portGroups, ClassificationThresholds classification, TimeSpan evidenceHalfLife)
    {
        EvidenceHalfLife = evidenceHalfLife;
        Archetypes = archetypes;
        ApplicationGroups = applicationGroups;
        PortGroups = portGroups;
        Classification = classification;
    }

    /// <summary>How sure a workload trait must be before a VM is called that workload (see <see cref="WorkloadClassifier"/>).</summary>
    public ClassificationThresholds Classification { get; }

    /// <summary>
    /// The half-life of in-guest evidence (applications, listening ports, peers) in the profiles the loop folds: the
    /// <c>recency</c> section's <c>half-life</c>, else <see cref="Profiles.Recency.DefaultHalfLife"/>.
    /// </summary>
    public TimeSpan EvidenceHalfLife { get; }

    /// <summary>The archetypes, in definition order.</summary>
    public ImmutableArray<Archetype> Archetypes { get; }

    /// <summary>Executables per application group.</summary>
    public ImmutableSortedDictionary<string, ImmutableArray<string>> ApplicationGroups { get; }

    /// <summary>Ports per port group.</summary>
    public ImmutableSortedDictionary<string, ImmutableArray<int>> PortGroups { get; }

    /// <summary>Every feature an archetype may name: the built-in ones plus one per group.</summary>
    public IEnumerable<string> KnownFeatures =>
        FeatureExtractor.BuiltInFeatures.Keys
            .Concat(ApplicationGroups.Keys.Select(g => "app." + g))
            .Concat(PortGroups.Keys.Select(g => "port." + g))
            .Order(StringComparer.Ordinal);

    /// <summary>The largest weight a feature may have: weights are relative, and a huge one would overflow the scores.</summary>
    public const double MaxWeight = 100;

    /// <summary>The name under which the built-in file is reported.</summary>
    public const string BuiltInSource = "built-in archetypes.yaml";

    /// <summary>The YAML shipped with vmorph.</summary>
    public static string BuiltInYaml()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Vmorph.Traits.archetypes.yaml")
            ?? throw new InvalidOperationException("the built-in archetypes resource is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The built-in catalog.</summary>
    public static ArchetypeCatalog BuiltIn { get; } = Build([(BuiltInSource, BuiltInYaml())]).Value;

    /// <summary>Builds a catalog from YAML documents, each with the name of where it came from.</summary>
    public static Result<ArchetypeCatalog> Build(IEnumerable<(string Source, string Yaml)> documents)
    {
        var errors = new List<string>();
        var specs = new List<(string Source, CatalogSpec Spec)>();
        foreach (var (source, yaml) in documents)
        {
            var parsed = Parse(source, yaml);
            if (parsed.IsSuccess) specs.Add((source, parsed.Value));
            else errors.AddRange(parsed.Errors);
        }

        var appGroups = new SortedDictionary<string, ImmutableArray<string>>(StringComparer.Ordinal);
        var portGroups = new SortedDictionary<string, ImmutableArray<int>>(StringComparer.Ordinal);
        foreach (var (source, spec) in specs)
        {
            foreach (var (name, executables) in spec.ApplicationGroups ?? [])
            {
                if (!IsName(name)) errors.Add($"{source}: application group '{name}': the name must be lower-case letters, digits and dashes");
                else if (executables is null || executables.Count == 0 || executables.Any(string.IsNullOrWhiteSpace))
                    errors.Add($"{source}: application group '{name}': list one or more executable names");
                else appGroups[name] = [.. executables];
            }
            foreach (var (name, ports) in spec.PortGroups ?? [])
            {
                if (!IsName(name)) errors.Add($"{source}: port group '{name}': the name must be lower-case letters, digits and dashes");
                else if (ports is null || ports.Count == 0 || ports.Any(p => p is < 1 or > 65535))
                    errors.Add($"{source}: port group '{name}': list one or more ports from 1 to 65535");
                else portGroups[name] = [.. ports];
            }
        }
        var classification = ClassificationThresholds.Default;
        foreach (var (source, spec) in specs)
        {
            if (spec.Classification is not { } c) continue;
            if (c.MinimumScore is { } score)
            {
                if (!double.IsFinite(score) || score is < 0 or > 1)
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{source}: classification: minimum-score {score} is not between 0 and 1"));
                else classification = classification with { MinimumScore = score };
            }
            if (c.MinimumCoverage is { } coverage)
            {
                if (!double.IsFinite(coverage) || coverage is < 0 or > 1)
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{source}: classification: minimum-coverage {coverage} is not between 0 and 1"));
                else classification = classification with { MinimumCoverage = coverage };
            }
            if (c.MinimumMargin is { } margin)
            {
                if (!double.IsFinite(margin) || margin is < 0 or > 1)
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{source}: classification: minimum-margin {margin} is not between 0 and 1"));
                else classification = classification with { MinimumMargin = margin };
            }
        }
        var halfLife = Profiles.Recency.DefaultHalfLife;
        foreach (var (source, spec) in specs)
        {
            if (spec.Recency?.HalfLife is not { } text) continue;
            if (ParseHalfLife(text) is { } parsed) halfLife = parsed;
            else errors.Add($"{source}: recency: half-life '{text}' is not a duration from 1s to 365d such as 30m, 6h or 1d");
        }
        var known = FeatureExtractor.BuiltInFeatures.Keys
            .Concat(appGroups.Keys.Select(g => "app." + g))
            .Concat(portGroups.Keys.Select(g => "port." + g))
            .ToHashSet(StringComparer.Ordinal);

        var archetypes = new List<Archetype>();
        foreach (var (source, spec) in specs)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < (spec.Archetypes?.Count ?? 0); i++)
            {
                var a = spec.Archetypes![i];
                var where = $"{source}: archetype '{a.Name ?? $"#{i + 1}"}'";
                var before = errors.Count;
                if (a.Name is null) errors.Add($"{where}: name is missing");
                else if (!IsName(a.Name)) errors.Add($"{where}: name must be lower-case letters, digits and dashes");
                else if (!seen.Add(a.Name)) errors.Add($"{where}: defined twice in the same file");
                TraitKind kind = TraitKind.Workload;
                if (a.Kind is not null && !Enum.TryParse(a.Kind, ignoreCase: true, out kind))
                    errors.Add($"{where}: kind '{a.Kind}' is not one of workload, shape");
                if (a.Features is null || a.Features.Count == 0) errors.Add($"{where}: features: list one or more features with weights");
                var weights = new List<FeatureWeight>();
                foreach (var (feature, w) in a.Features ?? [])
                {
                    if (!known.Contains(feature))
                        errors.Add($"{where}: feature '{feature}' is unknown; known features: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
                    else if (w?.Weight is not { } weight)
                        errors.Add($"{where}: feature '{feature}': weight is missing");
                    else if (!double.IsFinite(weight) || weight > MaxWeight)
                        errors.Add(string.Create(CultureInfo.InvariantCulture, $"{where}: feature '{feature}': weight {weight} is too large; weights are at most {MaxWeight}"));
                    else if (weight < 0)
                        errors.Add(string.Create(CultureInfo.InvariantCulture, $"{where}: feature '{feature}': weight {weight} is negative; weights must be positive (use invert: true for a feature the trait wants low)"));
                    else if (weight == 0)
                        errors.Add($"{where}: feature '{feature}': weight is zero; remove the feature instead");
                    else weights.Add(new FeatureWeight(feature, weight, w.Invert));
                }
                if (errors.Count == before)
                {
                    archetypes.RemoveAll(x => x.Name == a.Name);
                    archetypes.Add(new Archetype(a.Name!, kind, a.Description ?? "", a.TargetProfile, [.. weights], source));
                }
            }
        }
        if (errors.Count > 0) return Result<ArchetypeCatalog>.Fail(errors);
        if (archetypes.Count == 0) return Result<ArchetypeCatalog>.Fail("no archetypes defined");
        return Result<ArchetypeCatalog>.Ok(new ArchetypeCatalog([.. archetypes], appGroups.ToImmutableSortedDictionary(), portGroups.ToImmutableSortedDictionary(), classification, halfLife));
    }

    private static Result<CatalogSpec> Parse(string source, string yaml)
    {
        var parsed = SafeYaml.Deserialize<CatalogSpec>(source, yaml, b => b.WithTypeConverter(new FeatureWeightConverter()));
        return parsed.IsSuccess ? Result<CatalogSpec>.Ok(parsed.Value ?? new CatalogSpec()) : Result<CatalogSpec>.Fail(parsed.Errors);
    }

    private static bool IsName(string name) => NamePattern().IsMatch(name);

    private static TimeSpan? ParseHalfLife(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return null;
        var seconds = value * match.Groups[2].Value switch { "s" => 1, "m" => 60, "h" => 3600, "d" => 86400, _ => 7 * 86400 };
        return seconds is >= 1 and <= 365 * 86400 ? TimeSpan.FromSeconds(seconds) : null;
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)(s|m|h|d|w)$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    /// <summary>Reads a feature weight written as a plain number or as a mapping.</summary>
    private sealed class FeatureWeightConverter : IYamlTypeConverter
    {
        public bool Accepts(Type type) => type == typeof(FeatureWeightSpec);

        public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
        {
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                if (!double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight))
                    throw new YamlException(scalar.Start, scalar.End, $"weight '{scalar.Value}' is not a number");
                return new FeatureWeightSpec { Weight = weight };
            }
            parser.Consume<MappingStart>();
            var spec = new FeatureWeightSpec();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = parser.Consume<Scalar>();
                var value = parser.Consume<Scalar>();
                switch (key.Value)
                {
                    case "weight" when double.TryParse(value.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var w):
                        spec.Weight = w;
                        break;
                    case "invert" when bool.TryParse(value.Value, out var invert):
                        spec.Invert = invert;
                        break;
                    default:
                        throw new YamlException(key.Start, value.End, $"'{key.Value}: {value.Value}' is not valid here; a feature takes 'weight: NUMBER' and 'invert: true|false'");
                }
            }
            return spec;
        }

        public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
            throw new NotSupportedException("archetypes are only read");
    }
}
