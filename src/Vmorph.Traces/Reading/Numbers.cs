using System.Globalization;
using System.Runtime.CompilerServices;
using nietras.SeparatedValues;

namespace Vmorph.Traces.Reading;

/// <summary>
/// Reads the numbers in trace fields without allocating, and explains the ones it rejects. Every quantity in these traces
/// (a time, a count, a percentage, a rate) is finite and not negative, so anything else is a malformed field.
/// </summary>
internal static class Numbers
{
    /// <summary>A finite, non-negative number. Sep parses with csFastFloat, which also skips the TAB after Bitbrains' ';'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryNonNegative(SepReader.Col col, out double value) =>
        col.TryParse(out value) && value >= 0 && double.IsFinite(value);

    /// <summary>A finite, non-negative number from text outside a CSV reader.</summary>
    public static bool TryNonNegative(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && double.IsFinite(value);

    /// <summary>A finite, non-negative number from UTF-8 text (the Google tar entries are read as bytes).</summary>
    public static bool TryNonNegative(ReadOnlySpan<byte> utf8, out double value) =>
        double.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && double.IsFinite(value);

    /// <summary>A whole, non-negative number (a timestamp, a step, a core count).</summary>
    public static bool TryWhole(SepReader.Col col, out long value)
    {
        if (col.TryParse(out value)) return value >= 0;
        // Some writers put "2.0" where a count is meant; accept it when it is whole.
        if (col.TryParse(out double number) && number >= 0 && number <= long.MaxValue && number == Math.Floor(number))
        {
            value = (long)number;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Why a field is not a finite, non-negative number, naming the column: the text of a malformed-row error.</summary>
    public static string Problem(string column, ReadOnlySpan<char> text) => Problem(column, text, whole: false);

    /// <summary>Why a field is not a whole, non-negative number.</summary>
    public static string WholeProblem(string column, ReadOnlySpan<char> text) => Problem(column, text, whole: true);

    private static string Problem(string column, ReadOnlySpan<char> text, bool whole)
    {
        var trimmed = text.Trim();
        if (trimmed.IsEmpty) return $"{column}: the field is empty, expected a number";
        var shown = trimmed.Length > 40 ? string.Concat(trimmed[..40], "...") : trimmed.ToString();
        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return $"{column}: '{shown}' is not a number";
        if (!double.IsFinite(value)) return $"{column}: '{shown}' is not a finite number";
        if (value < 0) return $"{column}: '{shown}' is negative";
        if (whole && value != Math.Floor(value)) return $"{column}: '{shown}' is not a whole number";
        return $"{column}: '{shown}' is out of range";
    }
}
