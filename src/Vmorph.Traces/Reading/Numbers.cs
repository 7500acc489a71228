using System.Globalization;
using System.Runtime.CompilerServices;
using nietras.SeparatedValues;

namespace Vmorph.Traces.Reading;

/// <summary>
/// Reads the numbers in trace fields without allocating, and explains the ones it rejects. Every quantity in these traces
/// (a time, a count, a percentage, a rate) is finite, not negative and below <see cref="Ceiling"/> in its own unit, so
/// anything else is a malformed field; a format may set a tighter bound for a column (<see cref="TryAtMost"/>).
/// </summary>
internal static class Numbers
{
    /// <summary>
    /// No quantity in a trace reaches 1e15 in its own unit (KB, KB/s, MHz, %): a larger value is damage, and would
    /// overflow to infinity once converted to bytes or cores.
    /// </summary>
    public const double Ceiling = 1e15;

    /// <summary>
    /// The largest percentage a trace may hold: traces run a little over 100 (Bitbrains up to about 107 %), and a
    /// utilisation is clamped to 1 after; past this the value is not a measurement, so its row is malformed.
    /// </summary>
    public const double MaxPercent = 1000;

    /// <summary>A finite, non-negative number below <see cref="Ceiling"/>. Sep parses with csFastFloat, which also skips the TAB after Bitbrains' ';'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryNonNegative(SepReader.Col col, out double value) =>
        col.TryParse(out value) && value >= 0 && value < Ceiling;

    /// <summary>A non-negative number not above <paramref name="max"/> (a bound the format sets for the column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAtMost(SepReader.Col col, double max, out double value) =>
        col.TryParse(out value) && value >= 0 && value <= max;

    /// <summary>A finite, non-negative number below <see cref="Ceiling"/> from text outside a CSV reader.</summary>
    public static bool TryNonNegative(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && value < Ceiling;

    /// <summary>A finite, non-negative number below <see cref="Ceiling"/> from UTF-8 text (the Google tar entries are read as bytes).</summary>
    public static bool TryNonNegative(ReadOnlySpan<byte> utf8, out double value) =>
        double.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && value < Ceiling;

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
    public static string Problem(string column, ReadOnlySpan<char> text) => Problem(column, text, whole: false, Ceiling);

    /// <summary>Why a field is not a non-negative number of at most <paramref name="max"/>.</summary>
    public static string Problem(string column, ReadOnlySpan<char> text, double max) => Problem(column, text, whole: false, max);

    /// <summary>Why a field is not a whole, non-negative number.</summary>
    public static string WholeProblem(string column, ReadOnlySpan<char> text) => Problem(column, text, whole: true, null);

    private static string Problem(string column, ReadOnlySpan<char> text, bool whole, double? max)
    {
        var trimmed = text.Trim();
        if (trimmed.IsEmpty) return $"{column}: the field is empty, expected a number";
        var shown = trimmed.Length > 40 ? string.Concat(trimmed[..40], "...") : trimmed.ToString();
        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return $"{column}: '{shown}' is not a number";
        if (!double.IsFinite(value)) return $"{column}: '{shown}' is not a finite number";
        if (value < 0) return $"{column}: '{shown}' is negative";
        if (whole && value != Math.Floor(value)) return $"{column}: '{shown}' is not a whole number";
        if (max is { } bound && bound < Ceiling && value > bound) return $"{column}: '{shown}' is out of range (at most {bound.ToString("G", CultureInfo.InvariantCulture)} for this column)";
        if (value >= Ceiling) return $"{column}: '{shown}' is out of range (a trace value is below {Ceiling.ToString("0e0", CultureInfo.InvariantCulture)})";
        return $"{column}: '{shown}' is out of range";
    }
}
