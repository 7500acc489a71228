namespace Vmorph.Forecasting;

/// <summary>
/// The recent raw history of one resource of one VM: a ring of the latest <see cref="Capacity"/> steps (time and value),
/// with O(1) access by age and cheap maxima and means over trailing windows. What forecasters and triggers read; the
/// long-term distribution lives in the profile's decaying histograms.
/// </summary>
/// <remarks>
/// The ring grows as steps arrive (doubling, from <see cref="InitialSlots"/> up to <see cref="Capacity"/>), so a young
/// VM holds only what it has seen: a server with many VMs keeps a week of each only for those that have a week. Values
/// are kept as <see cref="float"/> (7 significant digits), or as <see cref="Half"/> rounded up where the history is
/// long and its values are cores (the policy engine's CPU history: 11 significant bits, so within 0.05 % above, half a
/// thousandth of a core at one core, well inside a sample's own noise, and never a peak lower than it was), and times
/// as the gap to the step before: the history's step (the first gap that is one, at least a second, and the median gap
/// from when the ring first fills: chosen again each time it fills as it grows, and held from when it wraps), and for
/// each step what its gap differs by, in seconds, held only once a gap has differed (a sampling timer's jitter): a
/// byte a step while every difference fits one, two bytes once one does not; a gap that differs by more than that, or
/// goes back in time, is kept beside them. With half-precision values: 2 bytes a step where every gap is the step (a
/// trace), 3 where they jitter by a second or two (a live fleet), 4 where they jitter by minutes (a replay at a
/// thousand times real time, whose timers' milliseconds are replayed minutes); 16 before any of this. A time is the latest's less the gaps after it,
/// summed as the ring is walked back.
/// </remarks>
public sealed class UsageHistory
{
    /// <summary>The slots a new history starts with (an hour of 5-minute steps).</summary>
    public const int InitialSlots = 16;

    // Marks a gap kept in largeGaps.
    private const short LargeGap = short.MinValue;

    // The usual gap between steps (0 until one is seen), and by how much each step's gap differs from it: null while
    // none has, in bytes while every difference fits one, then in shorts.
    private long step;
    private sbyte[]? jitter;
    private short[]? wideJitter;
    // The values, in one of the two: half precision (the CPU history) or single.
    private Half[]? halves;
    private float[]? singles;
    private int next;
    private long latestTime = long.MinValue;
    // The gaps a byte cannot tell from the step (or seen before it), by the index of their step (Total before it was added), oldest first.
    private List<(long Step, long Gap)>? largeGaps;

    /// <summary>Creates an empty history holding the latest <paramref name="capacity"/> steps.</summary>
    /// <param name="capacity">The most steps kept.</param>
    /// <param name="halfPrecision">
    /// Holds values as <see cref="Half"/>, rounded up (cores: a week of them in half the bytes); otherwise as
    /// <see cref="float"/>, rounded to the nearest.
    /// </param>
    public UsageHistory(int capacity = 2016 + 288, bool halfPrecision = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        if (halfPrecision) halves = new Half[Math.Min(capacity, InitialSlots)];
        else singles = new float[Math.Min(capacity, InitialSlots)];
    }

    /// <summary>Whether values are held as <see cref="Half"/>.</summary>
    public bool HalfPrecision => halves is not null;

    /// <summary>The most steps kept (<see cref="Shrink"/> lowers it).</summary>
    public int Capacity { get; private set; }

    /// <summary>The steps the ring has room for now (grows with <see cref="Count"/> up to <see cref="Capacity"/>).</summary>
    public int Slots => halves?.Length ?? singles!.Length;

    /// <summary>The bytes each step's difference from the step takes: 0 while every gap is the step, then 1 or 2.</summary>
    public int JitterBytes => wideJitter is not null ? 2 : jitter is not null ? 1 : 0;

    /// <summary>Steps kept.</summary>
    public int Count { get; private set; }

    /// <summary>Steps ever added.</summary>
    public long Total { get; private set; }

    /// <summary>The time of the latest step, or <see cref="long.MinValue"/>.</summary>
    public long LatestTime => latestTime;

    /// <summary>The latest value, or NaN.</summary>
    public double Latest => Count == 0 ? double.NaN : Value(Slot(0));

    /// <summary>Adds a step (NaN values are kept as gaps), its value rounded as <see cref="HalfPrecision"/> says.</summary>
    public void Add(long unixSeconds, double value)
    {
        if (Count == Slots && Count < Capacity) Grow();
        // The first step's gap is never read: a time is walked back to, not from, the oldest step.
        var gap = Total == 0 ? step : (Int128)unixSeconds - latestTime;
        if (step == 0 && Total > 0 && gap >= 1 && gap <= int.MaxValue) step = (long)gap;
        HoldGap(gap, Total);
        if (halves is not null) halves[next] = HalfAtLeast(value);
        else singles![next] = (float)value;
        latestTime = unixSeconds;
        next = (next + 1) % Slots;
        Total++;
        if (Count < Capacity && ++Count == Slots) Rebase();
        // A large gap whose step has left the ring is read no more.
        if (largeGaps is { Count: > 0 } && largeGaps[0].Step < Total - Count) largeGaps.RemoveAt(0);
    }

    // Holds the gap before step index (in the next slot) against the step.
    private void HoldGap(Int128 gap, long index)
    {
        var differs = gap - step;
        // Before a step is known (gaps of none or back in time so far), every gap read is kept whole.
        if (differs == 0 && (step != 0 || index == 0)) SetJitter(0);
        else if (step != 0 && differs > LargeGap && differs <= short.MaxValue && (wideJitter is not null || FitsAByte(differs) || ManyKeptWhole()))
            SetJitter((short)differs);
        else
        {
            SetJitter(LargeGap);
            largeGaps ??= [];
            largeGaps.Add((index, (long)Int128.Clamp(gap, long.MinValue, long.MaxValue)));
        }
    }

    // The ring has just filled, before it grows or wraps, so its steps are in order from slot 0: the step becomes the
    // median of the gaps held, and every gap is held again against it. The first gap is often not a usual one (a
    // collector's first cycle reads its counters twice, a wait apart, and the next cycle comes an interval after the
    // first began), and a step taken from it alone would hold every later gap in shorts.
    private void Rebase()
    {
        var gaps = new long[Count];
        for (var age = 0; age + 1 < Count; age++) gaps[Count - 1 - age] = GapBack(age);
        var usual = gaps.Skip(1).Where(g => g >= 1 && g <= int.MaxValue).Order().ToArray();
        if (usual.Length == 0 || usual[usual.Length / 2] == step) return;
        step = usual[usual.Length / 2];
        jitter = null;
        wideJitter = null;
        largeGaps = null;
        var first = Total - Count;
        for (next = 0; next < Count; next++) HoldGap(next == 0 ? step : gaps[next], first + next);
        next = 0;
    }

    /// <summary>
    /// Keeps at most <paramref name="capacity"/> steps from now on: the latest of those held stay, with their times and
    /// values as they were, and <see cref="Total"/> goes on counting from where it was. A larger capacity changes nothing.
    /// </summary>
    public void Shrink(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (capacity >= Capacity) return;
        var (times, values) = Steps();
        var kept = new UsageHistory(capacity, HalfPrecision);
        for (var i = Math.Max(0, Count - capacity); i < Count; i++) kept.Add(times[i], values[i]);
        // The steps before those kept are counted still: a large gap is indexed by the step it comes before.
        var before = Total - kept.Total;
        (Capacity, step, jitter, wideJitter, halves, singles, next, Count) =
            (kept.Capacity, kept.step, kept.jitter, kept.wideJitter, kept.halves, kept.singles, kept.next, kept.Count);
        largeGaps = kept.largeGaps?.Select(g => (g.Step + before, g.Gap)).ToList();
    }

    private static bool FitsAByte(Int128 differs) => differs > sbyte.MinValue && differs <= sbyte.MaxValue;

    // A difference wider than a byte is kept whole while such gaps are rare (a missed cycle, a clock set back); once a
    // sixteenth of the slots' gaps are, the differences are held in shorts.
    private bool ManyKeptWhole() => largeGaps is not null && largeGaps.Count >= Slots / 16;

    // Holds the next step's difference from the step, in the narrowest form that holds it and every one before.
    private void SetJitter(short differs)
    {
        if (wideJitter is not null)
        {
            wideJitter[next] = differs;
            return;
        }
        if (differs == 0)
        {
            if (jitter is not null) jitter[next] = 0;
            return;
        }
        // A byte holds -127 to 127, and marks a gap kept whole with its smallest value.
        if (differs == LargeGap || (differs > sbyte.MinValue && differs <= sbyte.MaxValue))
        {
            jitter ??= new sbyte[Slots];
            jitter[next] = differs == LargeGap ? sbyte.MinValue : (sbyte)differs;
            return;
        }
        // Wider than a byte: every step's in shorts from now on.
        wideJitter = new short[Slots];
        if (jitter is not null)
            for (var i = 0; i < jitter.Length; i++) wideJitter[i] = Widened(jitter[i]);
        jitter = null;
        wideJitter[next] = differs;
    }

    private static short Widened(sbyte differs) => differs == sbyte.MinValue ? LargeGap : differs;

    // A slot's difference from the step (LargeGap: kept whole).
    private short Differs(int slot) => wideJitter is not null ? wideJitter[slot] : jitter is not null ? Widened(jitter[slot]) : (short)0;

    // A ring that grows has never wrapped: its steps are in order at the start of the arrays, and the next goes after them.
    private void Grow()
    {
        var slots = Math.Min(Capacity, 2 * Slots);
        if (jitter is not null) Array.Resize(ref jitter, slots);
        if (wideJitter is not null) Array.Resize(ref wideJitter, slots);
        if (halves is not null) Array.Resize(ref halves, slots);
        else Array.Resize(ref singles, slots);
        next = Count;
    }

    // The nearest half-precision value at or above a value: the history never holds a peak lower than it was, so
    // that what is sized from it is not short by the rounding.
    private static Half HalfAtLeast(double value)
    {
        var held = (Half)value;
        return (double)held < value ? Half.BitIncrement(held) : held;
    }

    // The value held in a slot.
    private double Value(int slot) => halves is not null ? (double)halves[slot] : singles![slot];

    // The index of the step age steps ago (0 <= age < Count).
    private int Slot(int age) => (next - 1 - age + 2 * Slots) % Slots;

    // The seconds between the step age steps ago and the one before it (0 <= age < Count).
    private long GapBack(int age)
    {
        var differs = Differs(Slot(age));
        if (differs != LargeGap) return step + differs;
        var index = Total - 1 - age;
        foreach (var (at, large) in largeGaps!)
            if (at == index) return large;
        throw new InvalidOperationException($"the gap before step {index} is not kept");
    }

    /// <summary>The value <paramref name="age"/> steps ago (0 = the latest), or NaN beyond the history.</summary>
    public double Back(int age) => age < 0 || age >= Count ? double.NaN : Value(Slot(age));

    /// <summary>The time <paramref name="age"/> steps ago, or <see cref="long.MinValue"/>.</summary>
    public long TimeBack(int age)
    {
        if (age < 0 || age >= Count) return long.MinValue;
        var time = latestTime;
        for (var a = 0; a < age; a++) time -= GapBack(a);
        return time;
    }

    /// <summary>The steps kept, oldest first: their times and values (as <see cref="TimeBack"/> and <see cref="Back"/> give them).</summary>
    public (long[] Times, double[] Values) Steps()
    {
        var times = new long[Count];
        var values = new double[Count];
        var time = latestTime;
        for (var age = 0; age < Count; age++)
        {
            times[Count - 1 - age] = time;
            values[Count - 1 - age] = Value(Slot(age));
            if (age + 1 < Count) time -= GapBack(age);
        }
        return (times, values);
    }

    /// <summary>The largest value of the steps after <paramref name="sinceUnixSeconds"/> (NaN if none).</summary>
    public double MaxSince(long sinceUnixSeconds)
    {
        var max = double.NaN;
        Int128 time = latestTime;
        for (var age = 0; age < Count; age++)
        {
            if (time <= sinceUnixSeconds) break;
            var v = Value(Slot(age));
            if (!double.IsNaN(v) && !(v <= max)) max = v;
            if (age + 1 < Count) time -= GapBack(age);
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
            var v = Value(Slot(age));
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
            var v = Value(Slot(age));
            if (!double.IsNaN(v) && !(v <= max)) max = v;
        }
        return max;
    }

    /// <summary>How many steps ago the value last reached <paramref name="threshold"/> (Count if never within the history).</summary>
    public int StepsSinceAtLeast(double threshold)
    {
        for (var age = 0; age < Count; age++)
        {
            var v = Value(Slot(age));
            if (v >= threshold) return age;
        }
        return Count;
    }
}
