namespace Vmorph.Traces.Reading;

/// <summary>
/// Orders paths as a person would: runs of digits compare by their value, so <c>2013-7/2.csv.gz</c> comes before
/// <c>2013-7/10.csv.gz</c>; everything else compares ordinally, so the order is the same on every machine.
/// </summary>
internal sealed class NaturalPathComparer : IComparer<string>
{
    public static NaturalPathComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var startX = i;
                var startY = j;
                while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
                while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
                var byValue = CompareDigits(x.AsSpan(startX, i - startX), y.AsSpan(startY, j - startY));
                if (byValue != 0) return byValue;
            }
            else
            {
                var byChar = x[i].CompareTo(y[j]);
                if (byChar != 0) return byChar;
                i++;
                j++;
            }
        }
        var byRest = (x.Length - i).CompareTo(y.Length - j);
        // Equal by value ("07" and "7"): fall back to ordinal so that distinct paths never compare equal.
        return byRest != 0 ? byRest : string.CompareOrdinal(x, y);
    }

    private static int CompareDigits(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        // Compare without parsing, so that runs longer than any integer type still order correctly.
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
        return a.SequenceCompareTo(b);
    }
}
