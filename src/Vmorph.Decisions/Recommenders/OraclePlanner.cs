namespace Vmorph.Recommenders;

/// <summary>
/// The offline optimum: knowing the whole future, the CPU allocation with the least total (hence the least CPU slack)
/// that never falls short, changed at most <c>morphsPerDay</c> times per UTC day, on the same grid as every other
/// policy. Dynamic programming over (step, changes used today, level): O(steps × (budget + 1) × levels). Memory
/// changes only where CPU does, to the largest memory use of each constant-CPU segment (so the oracle never runs out
/// of memory either, and a change of both counts once). No online policy can reach a lower CPU slack at zero shortfall
/// with the same morph budget.
/// </summary>
public static class OraclePlanner
{
    /// <summary>
    /// Plans the allocations of every step.
    /// </summary>
    /// <param name="unixSeconds">Step times, increasing.</param>
    /// <param name="cores">CPU use per step (NaN counts as 0).</param>
    /// <param name="memoryMiB">Memory use per step (NaN where absent).</param>
    /// <param name="initial">The allocation in force before the first step (a change at step 0 counts).</param>
    /// <param name="grid">The allocation grid.</param>
    /// <param name="morphsPerDay">The most changes in one UTC day.</param>
    public static Allocation[] Plan(ReadOnlySpan<long> unixSeconds, ReadOnlySpan<double> cores, ReadOnlySpan<double> memoryMiB, Allocation initial, AllocationGrid grid, int morphsPerDay)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(morphsPerDay);
        var n = unixSeconds.Length;
        var result = new Allocation[n];
        if (n == 0) return result;
        var need = new int[n];
        var top = grid.CoreLevel(0);
        for (var i = 0; i < n; i++)
        {
            need[i] = grid.CoreLevel(double.IsNaN(cores[i]) ? 0 : cores[i]);
            top = Math.Max(top, need[i]);
        }
        // The candidate levels: every level from the smallest to the largest any step needs, plus the initial level
        // when it is above them all (a VM provisioned with 32 cores that never uses 9 needs 90 levels, not 320).
        var minLevel = grid.CoreLevel(0);
        var initialLevel = grid.CoreLevel(initial.Cores);
        var extra = initialLevel > top ? 1 : 0;
        var levels = top - minLevel + 1 + extra;
        var value = new int[levels];
        for (var k = 0; k < levels - extra; k++) value[k] = minLevel + k;
        if (extra == 1) value[levels - 1] = initialLevel;
        var budget = morphsPerDay + 1;
        var start = extra == 1 ? levels - 1 : initialLevel - minLevel;

        const long Inf = long.MaxValue / 4;
        var cost = new long[budget * levels];
        var next = new long[budget * levels];
        // Back pointers: the previous (changes, level) of each state at each step.
        var fromChanges = new byte[n * budget * levels];
        var fromLevel = new short[n * budget * levels];
        if (levels > short.MaxValue) throw new ArgumentException("too many allocation levels for the oracle", nameof(cores));

        Array.Fill(cost, Inf);
        var bestValue = new long[budget];
        var bestState = new int[budget];
        var secondValue = new long[budget];
        var secondState = new int[budget];
        var previousDay = DayOf(unixSeconds[0]);
        for (var i = 0; i < n; i++)
        {
            var day = DayOf(unixSeconds[i]);
            var newDay = i > 0 && day != previousDay;
            previousDay = day;
            Array.Fill(next, Inf);
            Array.Fill(bestValue, Inf);
            Array.Fill(secondValue, Inf);
            var offset = i * budget * levels;
            // Stay where we are, and find, for each count of changes carried into this step, the two cheapest states
            // (at different levels) to change from.
            for (var cPrev = 0; cPrev < budget; cPrev++)
            {
                for (var lPrev = 0; lPrev < levels; lPrev++)
                {
                    // Before step 0: at the initial level, no change used.
                    var before = i == 0 ? (cPrev == 0 && lPrev == start ? 0 : Inf) : cost[cPrev * levels + lPrev];
                    if (before >= Inf) continue;
                    var cBase = newDay ? 0 : cPrev;
                    if (value[lPrev] >= need[i])
                        Relax(next, fromChanges, fromLevel, offset, cBase, lPrev, levels, before + value[lPrev], cPrev, lPrev);
                    var here = cPrev * levels + lPrev;
                    if (before < bestValue[cBase])
                    {
                        if (bestValue[cBase] < Inf && bestState[cBase] % levels != lPrev)
                        {
                            secondValue[cBase] = bestValue[cBase];
                            secondState[cBase] = bestState[cBase];
                        }
                        bestValue[cBase] = before;
                        bestState[cBase] = here;
                    }
                    else if (before < secondValue[cBase] && bestState[cBase] % levels != lPrev)
                    {
                        secondValue[cBase] = before;
                        secondState[cBase] = here;
                    }
                }
            }
            // Change to any level that holds the step, using one more change.
            for (var cNew = 1; cNew < budget; cNew++)
            {
                var cb = cNew - 1;
                if (bestValue[cb] >= Inf) continue;
                var bestL = bestState[cb] % levels;
                for (var l = Math.Max(0, need[i] - minLevel); l < levels; l++)
                {
                    var (before, from) = l != bestL ? (bestValue[cb], bestState[cb]) : (secondValue[cb], secondState[cb]);
                    if (before >= Inf) continue;
                    Relax(next, fromChanges, fromLevel, offset, cNew, l, levels, before + value[l], from / levels, from % levels);
                }
            }
            (cost, next) = (next, cost);
        }

        // Trace back from the cheapest final state.
        var bestCost = Inf;
        int state = 0;
        for (var s = 0; s < cost.Length; s++)
        {
            if (cost[s] < bestCost)
            {
                bestCost = cost[s];
                state = s;
            }
        }
        var levelOf = new int[n];
        var cur = state;
        for (var i = n - 1; i >= 0; i--)
        {
            var c = cur / levels;
            var l = cur % levels;
            levelOf[i] = value[l];
            var offset = i * budget * levels;
            cur = fromChanges[offset + c * levels + l] * levels + fromLevel[offset + c * levels + l];
        }

        // Memory: the largest use of each constant-CPU segment.
        var segmentStart = 0;
        for (var i = 1; i <= n; i++)
        {
            if (i < n && levelOf[i] == levelOf[i - 1]) continue;
            var peak = double.NaN;
            for (var j = segmentStart; j < i; j++)
                if (!double.IsNaN(memoryMiB[j]) && !(memoryMiB[j] <= peak)) peak = memoryMiB[j];
            var memory = initial.HasMemory ? grid.RoundMemory(double.IsNaN(peak) ? initial.MemoryMiB : peak) : double.NaN;
            for (var j = segmentStart; j < i; j++) result[j] = new Allocation(grid.CoresOf(levelOf[j]), memory);
            segmentStart = i;
        }
        return result;
    }

    private static long DayOf(long unixSeconds) => (long)Math.Floor(unixSeconds / 86400.0);

    private static void Relax(long[] next, byte[] fromChanges, short[] fromLevel, int offset, int c, int l, int levels, long value, int cPrev, int lPrev)
    {
        var index = c * levels + l;
        if (value >= next[index]) return;
        next[index] = value;
        fromChanges[offset + index] = (byte)cPrev;
        fromLevel[offset + index] = (short)lPrev;
    }
}
