namespace Vmorph.Forecasting;

/// <summary>
/// The recent raw history of one resource of one VM: a ring of the latest <see cref="Capacity"/> steps (time and value),
/// with O(1) access by age and cheap maxima and means over trailing windows. What forecasters and triggers read; the
/// long-term distribution lives in the profile's decaying histograms.
/// </summary>
/// <remarks>
/// The ring grows as steps arrive (doubling, from <see cref="InitialSlots"/> up to <see cref="Capacity"/>), so a young
/// VM holds only what it has seen: a server with many VMs keeps a week of each only for those that have a week. Times
/// are kept as 32-bit offsets from the first step's (steps within 68 years of it) and values as <see cref="float"/>
/// (7 significant digits: a thousandth of a core, an eighth of a MiB at 1 TiB), 8 bytes a step instead of 16.
/// </remarks>
public sealed class UsageHistory
{
    /// <summary>The slots a new history starts with (an hour of 5-minute steps).</summary>
    public const int InitialSlots = 16;

    private int[] times;
    private long origin;
    private float[] values;
    private int next;

    /// <summary>Creates an empty history holding the latest <paramref name="capacity"/> steps.</summary>
    public UsageHistory(int capacity = 2016 + 288)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        times = new int[Math.Min(capacity, InitialSlots)];
        values = new float[times.Length];
    }

    /// <summary>The most steps kept.</summary>
    public int Capacity { get; }

    /// <summary>The steps the ring has room for now (grows with <see cref="Count"/> up to <see cref="Capacity"/>).</summary>
    public int Slots => times.Length;

    /// <summary>Steps kept.</summary>
    public int Count { get; private set; }

    /// <summary>Steps ever added.</summary>
    public long Total { get; private set; }

    /// <summary>The time of the latest step, or <see cref="long.MinValue"/>.</summary>
    public long LatestTime => Count == 0 ? long.MinValue : origin + times[Slot(0)];

    /// <summary>The latest value, or NaN.</summary>
    public double Latest => Count == 0 ? double.NaN : values[Slot(0)];

    /// <summary>Adds a step (NaN values are kept as gaps), its value rounded to the nearest <see cref="float"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The step is more than 68 years from the first.</exception>
    public void Add(long unixSeconds, double value)
    {
        if (Total == 0) origin = unixSeconds;
        var offset = unixSeconds - origin;
        if (offset is < int.MinValue or > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(unixSeconds), unixSeconds, $"a step more than 68 years from the history's first ({origin})");
        if (Count == times.Length && Count < Capacity) Grow();
        times[next] = (int)offset;
        values[next] = (float)value;
        next = (next + 1) % times.Length;
        if (Count < Capacity) Count++;
        Total++;
    }

    // A ring that grows has never wrapped: its steps are in order at the start of the arrays, and the next goes after them.
    private void Grow()
    {
        var slots = Math.Min(Capacity, 2 * times.Length);
        Array.Resize(ref times, slots);
        Array.Resize(ref values, slots);
        next = Count;
    }

    // The index of the step age steps ago (0 <= age < Count).
    private int Slot(int age) => (next - 1 - age + 2 * times.Length) % times.Length;

    /// <summary>The value <paramref name="age"/> steps ago (0 = the latest), or NaN beyond the history.</summary>
    public double Back(int age) => age < 0 || age >= Count ? double.NaN : values[Slot(age)];

    /// <summary>The time <paramref name="age"/> steps ago, or <see cref="long.MinValue"/>.</summary>
    public long TimeBack(int age) => age < 0 || age >= Count ? long.MinValue : origin + times[Slot(age)];

    /// <summary>The largest value of the steps after <paramref name="sinceUnixSeconds"/> (NaN if none).</summary>
    public double MaxSince(long sinceUnixSeconds)
    {
        var max = double.NaN;
        // The time as an offset, clamped to just outside the range of the offsets kept (without overflow).
        var since = (long)Int128.Clamp((Int128)sinceUnixSeconds - origin, int.MinValue - 1L, int.MaxValue);
        for (var age = 0; age < Count; age++)
        {
            var i = Slot(age);
            if (times[i] <= since) break;
            var v = values[i];
            if (!double.IsNaN(v) && !(v <= max)) max = v;
        }
        return max;
    }

    /// <summary>The largest value and the mean of the last <paramref name="steps"/> steps (NaN if none).</summary>
    public (double Max, double Mean) Window(int steps)
    {
        var max = double.NaN;
        var sum = 0.0;
        var n = 0;
        var count = Math.Min(steps, Count);
        for (var age = 0; age < count; age++)
        {
            var v = values[Slot(age)];
            if (double.IsNaN(v)) continue;
            if (!(v <= max)) max = v;
            sum += v;
            n++;
        }
        return (max, n > 0 ? sum / n : double.NaN);
    }

    /// <summary>The largest value of the steps from <paramref name="fromAge"/> back to <paramref name="toAge"/> steps ago, inclusive (NaN if none).</summary>
    public double MaxBetween(int fromAge, int toAge)
    {
        var max = double.NaN;
        for (var age = Math.Max(0, fromAge); age <= toAge && age < Count; age++)
        {
            var v = values[Slot(age)];
            if (!double.IsNaN(v) && !(v <= max)) max = v;
        }
        return max;
    }

    /// <summary>How many steps ago the value last reached <paramref name="threshold"/> (Count if never within the history).</summary>
    public int StepsSinceAtLeast(double threshold)
    {
        for (var age = 0; age < Count; age++)
        {
            var v = values[Slot(age)];
            if (v >= threshold) return age;
        }
        return Count;
    }
}
