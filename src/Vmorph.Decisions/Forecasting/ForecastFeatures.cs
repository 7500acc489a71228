namespace Vmorph.Forecasting;

/// <summary>
/// The lag and calendar features the machine-learned forecaster reads, kept up to date one step at a time (sliding
/// sums for means, the peaks of hour-long blocks for maxima) so that computing them costs the same at every step, and
/// computed the same way in training and in use. Values are shares of the VM's capacity, so one model serves VMs of
/// every size; absent values are −1.
/// </summary>
public sealed class ForecastFeatures
{
    /// <summary>The number of features.</summary>
    public const int Count = 16;

    /// <summary>
    /// The revision of what the features are and how they are computed. Raise it with any change to them: a stored
    /// model (<see cref="FastTreeDemandModel.ToBytes"/>) trained on another revision is not restored.
    /// </summary>
    public const int Revision = 1;

    /// <summary>The feature names, in order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "last", "lag2", "lag3", "max-1h", "mean-1h", "max-6h", "mean-6h", "max-24h", "mean-24h",
        "same-step-yesterday", "peak-same-horizon-yesterday", "peak-same-horizon-last-week",
        "hour-of-day", "day-of-week", "log-steps-since-busy", "max-48h",
    ];

    private const int StepsPerDay = 288;
    private const int BusyCap = 576;

    private readonly double inverseScale;
    private readonly double busyThreshold;
    /// <summary>
    /// The steps of history the lag features read: two days and a little (the two-day window reads the step leaving it
    /// from the history). The week-old peak is read from the features' own hourly maxima.
    /// </summary>
    public const int HistoryNeeded = 2 * StepsPerDay + 16;

    /// <summary>Steps in a week.</summary>
    public const int StepsPerWeek = 2016;

    private readonly UsageHistory history;
    private readonly bool ownsHistory;
    private readonly SlidingWindow hour;
    private readonly SlidingWindow sixHours;
    private readonly SlidingWindow day;
    private readonly SlidingWindow twoDays;
    private long index;
    private long lastBusy = long.MinValue;
    // The peak of each hour-long block of steps (by step index) over the last week, for the week-old peak and the windows'
    // maxima: 0.7 KB, where reading the week-old peak from the history kept a week of steps (6 KB) in every VM's, and
    // monotone deques of each window's candidates for its maximum held 1.1 KB more.
    private const int BlockSteps = 12;
    private const int BlocksKept = StepsPerWeek / BlockSteps + 2;
    private readonly float[] blockMax = new float[BlocksKept];

    /// <summary>Creates the state for a VM whose capacity is <paramref name="scale"/>.</summary>
    /// <param name="scale">The VM's capacity.</param>
    /// <param name="history">
    /// The VM's history the lag features read, kept by the caller, who adds each step to it before <see cref="Add"/>
    /// and computes features only once every step in it has been added (the policy engine's CPU history, so a VM holds
    /// one ring of steps, not two). It must hold at least <see cref="HistoryNeeded"/> steps. Null: the state keeps its
    /// own (training).
    /// </param>
    public ForecastFeatures(double scale, UsageHistory? history = null)
    {
        if (history is not null) ArgumentOutOfRangeException.ThrowIfLessThan(history.Capacity, HistoryNeeded, nameof(history));
        ownsHistory = history is null;
        this.history = history ?? new UsageHistory(HistoryNeeded);
        // With the caller's history the windows read the steps leaving them from it (it holds every step they do, as
        // floats): 948 doubles a VM fewer. Their own copies keep the values as given (training gives doubles).
        var keepsValues = ownsHistory;
        hour = new SlidingWindow(12, keepsValues);
        sixHours = new SlidingWindow(72, keepsValues);
        day = new SlidingWindow(StepsPerDay, keepsValues);
        twoDays = new SlidingWindow(2 * StepsPerDay, keepsValues);
        var s = scale > 0 ? scale : 1;
        inverseScale = 1 / s;
        busyThreshold = 0.25 * s;
    }

    /// <summary>Steps added.</summary>
    public long Steps => index;

    /// <summary>Adds the step just finished (a state that keeps its own history: training).</summary>
    public void Add(long unixSeconds, double value)
    {
        if (!ownsHistory) throw new InvalidOperationException("the features read the caller's history: add its steps with AddFromHistory");
        history.Add(unixSeconds, value);
        Slide(value, 0);
    }

    /// <summary>
    /// Adds the step <paramref name="age"/> steps back in the caller's history (0: its latest), the oldest of those not
    /// yet added first. Every step of the history must be added in turn: the windows read the steps leaving them from
    /// it, up to two days behind the one added.
    /// </summary>
    public void AddFromHistory(int age)
    {
        if (ownsHistory) throw new InvalidOperationException("the features keep their own history: add steps with Add");
        Slide(history.Back(age), age);
    }

    private void Slide(double value, int age)
    {
        hour.Add(value, history, age);
        sixHours.Add(value, history, age);
        day.Add(value, history, age);
        twoDays.Add(value, history, age);
        if (value >= busyThreshold) lastBusy = index;
        var slot = (int)(index / BlockSteps % BlocksKept);
        var v = double.IsNaN(value) ? float.NegativeInfinity : (float)value;
        blockMax[slot] = index % BlockSteps == 0 ? v : Math.Max(blockMax[slot], v);
        index++;
    }

    /// <summary>Fills <paramref name="features"/> for a decision at <paramref name="nowUnixSeconds"/> (after the latest step added).</summary>
    public void Compute(long nowUnixSeconds, int horizonSteps, TimeZoneInfo zone, Span<float> features)
    {
        features[0] = Norm(history.Back(0));
        features[1] = Norm(history.Back(1));
        features[2] = Norm(history.Back(2));
        features[3] = Norm(MaxOfLast(12));
        features[4] = Norm(hour.Mean);
        features[5] = Norm(MaxOfLast(72));
        features[6] = Norm(sixHours.Mean);
        features[7] = Norm(MaxOfLast(StepsPerDay));
        features[8] = Norm(day.Mean);
        features[9] = Norm(history.Back(StepsPerDay - 1));
        features[10] = Norm(history.MaxBetween(StepsPerDay - horizonSteps, StepsPerDay - 1));
        features[11] = Norm(WeekAgoPeak(horizonSteps));
        var local = ReferenceEquals(zone, TimeZoneInfo.Utc)
            ? DateTimeOffset.FromUnixTimeSeconds(nowUnixSeconds)
            : TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(nowUnixSeconds), zone);
        features[12] = local.Hour + local.Minute / 60f;
        features[13] = ((int)local.DayOfWeek + 6) % 7;
        var sinceBusy = lastBusy == long.MinValue ? Math.Min(index, BusyCap) : Math.Min(index - 1 - lastBusy, BusyCap);
        features[14] = MathF.Log(1 + sinceBusy);
        features[15] = Norm(MaxOfLast(2 * StepsPerDay));
    }

    // The largest of the last `steps` steps' values (as floats; NaN when every one is absent): the blocks that start
    // inside the window from their peaks (the latest block holds the steps added so far), the steps before the first
    // of them from the history. At most 48 blocks and 11 steps for the two days.
    private double MaxOfLast(int steps)
    {
        var latest = index - 1;
        var oldest = Math.Max(0, index - steps);
        var firstBlock = (oldest + BlockSteps - 1) / BlockSteps;
        var max = float.NegativeInfinity;
        for (var i = oldest; i < Math.Min(firstBlock * BlockSteps, index); i++)
        {
            var v = history.Back((int)(latest - i));
            if (!double.IsNaN(v)) max = Math.Max(max, (float)v);
        }
        for (var block = firstBlock; block <= latest / BlockSteps; block++) max = Math.Max(max, blockMax[(int)(block % BlocksKept)]);
        return float.IsNegativeInfinity(max) ? double.NaN : max;
    }

    // The peak of the horizon's steps a week ago, read from the hour-long blocks that hold them: at least their peak, at
    // most an hour's steps either side more (training reads it the same way).
    private double WeekAgoPeak(int horizonSteps)
    {
        var from = index - StepsPerWeek;
        if (from < 0) return double.NaN;
        var to = from + horizonSteps - 1;
        var max = float.NegativeInfinity;
        for (var block = from / BlockSteps; block <= to / BlockSteps; block++) max = Math.Max(max, blockMax[(int)(block % BlocksKept)]);
        return float.IsNegativeInfinity(max) ? double.NaN : max;
    }

    private float Norm(double value) => double.IsNaN(value) ? -1f : (float)(value * inverseScale);

    /// <summary>
    /// The mean of the last N steps, updated in O(1) per step. It keeps the steps it holds in a ring (which grows to N as
    /// steps arrive), or reads the step leaving it from the history the steps come from.
    /// </summary>
    private sealed class SlidingWindow(int size, bool keepsValues)
    {
        private double[]? ring = keepsValues ? new double[Math.Min(size, UsageHistory.InitialSlots)] : null;
        private double sum;
        private int present;
        private long added;

        public double Mean => present > 0 ? sum / present : double.NaN;

        // Adds a step, `age` steps back in `history` when the window reads the leaving steps from it.
        public void Add(double value, UsageHistory history, int age)
        {
            if (added >= size)
            {
                var old = ring is not null ? ring[(int)(added % size)] : history.Back(age + size);
                if (!double.IsNaN(old))
                {
                    sum -= old;
                    present--;
                }
            }
            if (ring is not null)
            {
                // Until the window is full, steps go in order at the start of the ring, which doubles when it runs out.
                if (added == ring.Length && added < size) Array.Resize(ref ring, Math.Min(size, 2 * ring.Length));
                ring[(int)(added % size)] = value;
            }
            added++;
            if (!double.IsNaN(value))
            {
                sum += value;
                present++;
            }
            if (present == 0) sum = 0;
        }
    }
}
