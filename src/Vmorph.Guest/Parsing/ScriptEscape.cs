using System.Text;

namespace Vmorph.Guest.Parsing;

/// <summary>
/// Decodes the escapes the guest scripts put in names that could hold a newline or another control character (an
/// executable's path, a command name): <c>\\</c> is a backslash and <c>\ooo</c> (three octal digits) the byte it
/// codes, so that one record is always one line. Text without a backslash is returned as it is.
/// </summary>
public static class ScriptEscape
{
    /// <summary>Decodes <paramref name="text"/>; a backslash that starts no escape is kept as it is.</summary>
    public static string Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains('\\', StringComparison.Ordinal)) return text;
        var decoded = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == '\\')
            {
                decoded.Append('\\');
                i++;
            }
            else if (text[i] == '\\' && i + 3 < text.Length && IsOctal(text[i + 1]) && IsOctal(text[i + 2]) && IsOctal(text[i + 3]))
            {
                decoded.Append((char)(((text[i + 1] - '0') * 64) + ((text[i + 2] - '0') * 8) + (text[i + 3] - '0')));
                i += 3;
            }
            else
            {
                decoded.Append(text[i]);
            }
        }
        return decoded.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
