using System.Text.RegularExpressions;

namespace Vmorph.Views;

/// <summary>
/// What a label may be, wherever it is set (the API, <c>vmorph label</c>): a key of 1 to 63 letters, digits, '.', '_',
/// '/' or '-' starting with a letter or digit; a value of at most 256 characters without control characters; at most 64
/// changes at once.
/// </summary>
public static partial class LabelRules
{
    /// <summary>The most changes in one request.</summary>
    public const int MaxChanges = 64;

    /// <summary>The longest value.</summary>
    public const int MaxValue = 256;

    /// <summary>Every reason a set of changes (a value sets, null removes) is refused; empty when it is fine.</summary>
    public static IReadOnlyList<string> Errors(IReadOnlyDictionary<string, string?> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var errors = new List<string>();
        if (changes.Count == 0) errors.Add("no labels given: set KEY=VALUE, remove KEY");
        if (changes.Count > MaxChanges) errors.Add($"{changes.Count} labels at once; at most {MaxChanges}");
        foreach (var (key, value) in changes.Take(MaxChanges))
        {
            if (!Key().IsMatch(key))
                errors.Add($"label '{Printable(key)}': a key is 1 to 63 letters, digits, '.', '_', '/' or '-', starting with a letter or digit");
            else if (value is not null && value.Length > MaxValue)
                errors.Add($"label '{key}': the value has {value.Length} characters; at most {MaxValue}");
            else if (value is not null && value.Any(char.IsControl))
                errors.Add($"label '{key}': the value has control characters");
        }
        return errors;
    }

    private static string Printable(string text)
    {
        var clean = new string([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 64 ? clean + "..." : clean;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$")]
    private static partial Regex Key();
}
