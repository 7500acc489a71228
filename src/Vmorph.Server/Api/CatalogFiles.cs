using System.Text;
using System.Text.RegularExpressions;
using Vmorph.Yaml;

namespace Vmorph.Server.Api;

/// <summary>
/// The user's policy and target-profile files in the data directory (<c>policies/NAME.yaml</c>,
/// <c>targets/NAME.yaml</c>): read bounded, named relative to the data directory (a client never sees the server's
/// paths), and written atomically (a temporary file, owner-only, moved over the old one).
/// </summary>
internal static partial class CatalogFiles
{
    /// <summary>The folder of policies in the data directory.</summary>
    public const string PoliciesFolder = "policies";

    /// <summary>The folder of target profiles in the data directory.</summary>
    public const string TargetsFolder = "targets";

    /// <summary>A file name as the API takes it: lower-case letters, digits and dashes, up to 63.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>
    /// The YAML files of a folder as (source, YAML), in name order, each named <c>FOLDER/FILE</c>; with
    /// <paramref name="replacing"/>, the file <c>replacing.yaml</c> (or <c>.yml</c>) is replaced by (or, when absent,
    /// added as) <paramref name="yaml"/>.
    /// </summary>
    public static IReadOnlyList<(string Source, string Yaml)> Read(string folder, string? replacing, string? yaml)
    {
        var documents = new List<(string, string)>();
        var name = Path.GetFileName(folder);
        if (Directory.Exists(folder))
        {
            foreach (var file in YamlFiles(folder))
            {
                if (replacing is not null && Path.GetFileNameWithoutExtension(file) == replacing) continue;
                documents.Add(($"{name}/{Path.GetFileName(file)}", ReadBounded(file)));
            }
        }
        if (replacing is not null && yaml is not null) documents.Add(($"{name}/{replacing}.yaml", yaml));
        return [.. documents.OrderBy(d => d.Item1, StringComparer.Ordinal)];
    }

    /// <summary>A YAML file, or every YAML file of a directory, named by path; nothing when it does not exist.</summary>
    public static IReadOnlyList<(string Source, string Yaml)> ReadPath(string path)
    {
        if (File.Exists(path)) return [(path, ReadBounded(path))];
        if (Directory.Exists(path)) return [.. YamlFiles(path).Select(f => (f, ReadBounded(f)))];
        return [];
    }

    /// <summary>
    /// Writes <c>FOLDER/NAME.yaml</c> atomically and owner-only, removing a <c>NAME.yml</c> it replaces; true when a
    /// file of that name was there.
    /// </summary>
    public static bool Write(string folder, string name, string yaml)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(folder, name + ".yaml");
        var other = Path.Combine(folder, name + ".yml");
        var replaced = File.Exists(path) || File.Exists(other);
        var temporary = Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.tmp");
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(temporary, fileOptions))
            {
                stream.Write(Encoding.UTF8.GetBytes(yaml));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        if (File.Exists(other)) File.Delete(other);
        return replaced;
    }

    private static IEnumerable<string> YamlFiles(string directory) =>
        Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    // As the catalogs read files: never more than SafeYaml reads (a larger file is refused by it, naming the file).
    private static string ReadBounded(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[SafeYaml.MaxDocumentChars + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = reader.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        return new string(buffer, 0, total);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex NamePattern();
}
