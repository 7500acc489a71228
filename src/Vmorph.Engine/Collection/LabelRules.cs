using System.Text.RegularExpressions;

namespace Vmorph.Collection;

/// <summary>What a label may be: keys like Kubernetes' (<c>tier</c>, <c>vmorph.io/role</c>), short values of printable characters.</summary>
public static partial class LabelRules
{
    /// <summary>Whether <paramref name="key"/> is a valid label key.</summary>
    public static bool IsValidKey(string key) => key is not null && Key().IsMatch(key);

    /// <summary>Whether <paramref name="value"/> is a valid label value.</summary>
    public static bool IsValidValue(string value) => value is not null && value.Length <= 256 && !value.Any(char.IsControl);

    /// <summary>The errors of a set of label changes (empty when valid).</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string?> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var errors = new List<string>();
        if (changes.Count == 0) errors.Add("no labels given");
        if (changes.Count > 64) errors.Add($"{changes.Count} labels at once; at most 64");
        foreach (var (key, value) in changes)
        {
            if (!IsValidKey(key))
                errors.Add($"label key '{Printable(key)}' is not valid: 1 to 63 characters of a-z, 0-9, '.', '-', '_', '/', starting and ending with a letter or digit");
            if (value is not null && !IsValidValue(value))
                errors.Add($"label '{Printable(key)}': the value must be at most 256 characters, none of them control characters");
        }
        return errors;
    }

    /// <summary><paramref name="s"/> cut to 64 characters with control characters replaced, for messages.</summary>
    public static string Printable(string s) => new([.. s.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);

    [GeneratedRegex("^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$")]
    private static partial Regex Key();
}
