namespace Vmorph.Identity;

/// <summary>
/// Orders names as people count: runs of digits compare by their value, so <c>1, 2, 10</c> and <c>lab-2, lab-10</c>
/// (a plain ordinal comparison gives <c>1, 10, 2</c>). Other characters compare ordinally, ignoring case first; ties
/// are broken by fewer leading zeros, then ordinally, so the order is total and stable.
/// </summary>
public sealed class NaturalStringComparer : IComparer<string>
{
    private NaturalStringComparer()
    {
    }

    /// <summary>The comparer.</summary>
    public static NaturalStringComparer Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var zerosTieBreak = 0;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (xStart, xEnd, xZeros) = DigitRun(x, i);
                var (yStart, yEnd, yZeros) = DigitRun(y, j);
                var xDigits = x.AsSpan(xStart, xEnd - xStart);
                var yDigits = y.AsSpan(yStart, yEnd - yStart);
                if (xDigits.Length != yDigits.Length) return xDigits.Length.CompareTo(yDigits.Length);
                var byValue = xDigits.SequenceCompareTo(yDigits);
                if (byValue != 0) return Math.Sign(byValue);
                if (zerosTieBreak == 0) zerosTieBreak = xZeros.CompareTo(yZeros);
                i = xEnd;
                j = yEnd;
                continue;
            }
            var a = char.ToLowerInvariant(x[i]);
            var b = char.ToLowerInvariant(y[j]);
            if (a != b) return a.CompareTo(b);
            i++;
            j++;
        }
        var byLength = (x.Length - i).CompareTo(y.Length - j);
        if (byLength != 0) return byLength;
        if (zerosTieBreak != 0) return zerosTieBreak;
        return Math.Sign(string.CompareOrdinal(x, y));
    }

    /// <summary>The significant digits of the run at <paramref name="start"/> (leading zeros skipped) and how many zeros were skipped.</summary>
    private static (int Start, int End, int Zeros) DigitRun(string s, int start)
    {
        var end = start;
        while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
        var significant = start;
        while (significant < end - 1 && s[significant] == '0') significant++;
        return (significant, end, significant - start);
    }
}
