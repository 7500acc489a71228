using System.Collections.Immutable;
using System.Reflection;
using Vmorph.Yaml;

namespace Vmorph.TargetProfiles;

/// <summary>
/// The target profiles a VM can morph to: vmorph's built-ins (one embedded YAML file each: web-server, database-server,
/// data-analytics-node, security-scanner, development) and the user's own, one file per profile in a directory. A user
/// profile with a built-in's name replaces it. Every error in every file is reported together, naming file, profile and
/// field.
/// </summary>
public sealed class TargetProfileCatalog
{
    /// <summary>The names of the built-in profiles, in the order they are listed.</summary>
    public static ImmutableArray<string> BuiltInNames { get; } = ["web-server", "database-server", "data-analytics-node", "security-scanner", "development"];

    private TargetProfileCatalog(ImmutableSortedDictionary<string, TargetProfile> profiles) => Profiles = profiles;

    /// <summary>The profiles by name.</summary>
    public ImmutableSortedDictionary<string, TargetProfile> Profiles { get; }

    /// <summary>The built-in catalog.</summary>
    public static TargetProfileCatalog BuiltIn => BuiltInCatalog.Value;

    private static readonly Lazy<TargetProfileCatalog> BuiltInCatalog = new(() => Build(BuiltInDocuments(), []).Value);

    /// <summary>The built-in YAML documents, each with the name under which errors report it (<c>built-in web-server.yaml</c>).</summary>
    public static IReadOnlyList<(string Source, string Yaml)> BuiltInDocuments()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return [.. BuiltInNames.Select(name =>
        {
            using var stream = assembly.GetManifestResourceStream($"Vmorph.TargetProfiles.BuiltIn.{name}.yaml")
                ?? throw new InvalidOperationException($"the built-in target profile {name}.yaml is missing from the build");
            using var reader = new StreamReader(stream);
            return ($"built-in {name}.yaml", reader.ReadToEnd());
        })];
    }

    /// <summary>
    /// Builds a catalog: the built-in documents first, then the user's (<paramref name="userDocuments"/>), whose profiles
    /// replace built-ins of the same name. Expected traits are checked against <paramref name="knownTraits"/> when given.
    /// </summary>
    public static Result<TargetProfileCatalog> Build(
        IEnumerable<(string Source, string Yaml)> builtInDocuments,
        IEnumerable<(string Source, string Yaml)> userDocuments,
        IReadOnlySet<string>? knownTraits = null)
    {
        var errors = new List<string>();
        var profiles = new SortedDictionary<string, TargetProfile>(StringComparer.Ordinal);
        foreach (var (documents, user) in new[] { (builtInDocuments, false), (userDocuments, true) })
        {
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (source, yaml) in documents)
            {
                var parsed = Parse(source, yaml);
                if (!parsed.IsSuccess)
                {
                    errors.AddRange(parsed.Errors);
                    continue;
                }
                var validated = TargetProfileValidator.Validate(source, parsed.Value, knownTraits);
                if (!validated.IsSuccess)
                {
                    errors.AddRange(validated.Errors);
                    continue;
                }
                var profile = validated.Value;
                if (seen.TryGetValue(profile.Name, out var first))
                {
                    errors.Add($"{source}: target profile '{profile.Name}': metadata.name: already defined in {first}; a name may be used once {(user ? "in the user directory" : "among the built-ins")}");
                    continue;
                }
                seen[profile.Name] = source;
                profiles[profile.Name] = profile;
            }
        }
        if (errors.Count > 0) return Result<TargetProfileCatalog>.Fail(errors);
        return Result<TargetProfileCatalog>.Ok(new TargetProfileCatalog(profiles.ToImmutableSortedDictionary(StringComparer.Ordinal)));
    }

    /// <summary>Builds a catalog of the built-ins plus the user's documents.</summary>
    public static Result<TargetProfileCatalog> WithUserProfiles(IEnumerable<(string Source, string Yaml)> userDocuments, IReadOnlySet<string>? knownTraits = null) =>
        Build(BuiltInDocuments(), userDocuments, knownTraits);

    /// <summary>
    /// Reads the user's profiles from a directory: every <c>*.yaml</c> and <c>*.yml</c> file, in name order, each reported
    /// by its path. A missing directory holds no profiles. (The only I/O in this project.)
    /// </summary>
    public static IReadOnlyList<(string Source, string Yaml)> ReadDirectory(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        return [.. Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, ReadBounded(f)))];
    }

    /// <summary>A profile by name, or a failure that lists the names there are.</summary>
    public Result<TargetProfile> Find(string name) =>
        Profiles.TryGetValue(name, out var profile)
            ? Result<TargetProfile>.Ok(profile)
            : Result<TargetProfile>.Fail($"target profile '{name}' is not defined; defined: {string.Join(", ", Profiles.Keys)}");

    private static Result<TargetProfileSpec> Parse(string source, string yaml)
    {
        var parsed = SafeYaml.Deserialize<TargetProfileSpec>(source, yaml);
        if (!parsed.IsSuccess) return Result<TargetProfileSpec>.Fail(parsed.Errors);
        return parsed.Value is { } spec
            ? Result<TargetProfileSpec>.Ok(spec)
            : Result<TargetProfileSpec>.Fail($"{source}: the file is empty; a target profile starts with 'apiVersion: {TargetProfileValidator.ApiVersion}'");
    }

    /// <summary>
    /// Reads a file's text, but no more than one character past <see cref="SafeYaml.MaxDocumentChars"/>: enough for
    /// the size check to refuse it without holding a huge file in memory.
    /// </summary>
    private static string ReadBounded(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[SafeYaml.MaxDocumentChars + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = reader.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        return new string(buffer, 0, total);
    }
}
