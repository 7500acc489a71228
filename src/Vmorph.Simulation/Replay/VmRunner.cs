using Vmorph.Recommenders;

namespace Vmorph.Simulation.Replay;

/// <summary>
/// One VM under one online policy, advanced step by step: first the warm-up steps (shown, not scored), then the scored
/// steps, each decided at its start from earlier steps only and taking effect after the delay. Advancing to a time
/// processes every step that starts before it, so a replay can run VMs independently or in lock step.
/// </summary>
internal sealed class VmRunner
{
    private readonly IRecommender recommender;
    private readonly ReplaySeries? history;
    private readonly ReplaySeries scored;
    private readonly AllocationGrid grid;
    private readonly long delay;
    private readonly Queue<(long At, Allocation Allocation)> pending = new();
    private int warmed;
    private int next;
    private Allocation inForce;
    private Allocation decided;

    public VmRunner(IRecommenderFactory factory, ReplaySeries scored, ReplaySeries? history, ReplayOptions options)
    {
        this.scored = scored;
        this.history = history;
        grid = options.Grid;
        delay = (long)options.Delay.TotalSeconds;
        Allocations = new Allocation[scored.Length];
        var context = new Vmorph.Recommenders.VmContext(scored.Vm, scored.Name, new Dictionary<string, string>(), scored.Length > 0 ? scored.ProvisionedAt(0) : default, scored.Step());
        recommender = factory.Create(context);
        if (scored.Length > 0) inForce = decided = grid.Round(scored.ProvisionedAt(0));
    }

    /// <summary>The allocation in force at each scored step.</summary>
    public Allocation[] Allocations { get; }

    /// <summary>What the recommender reported.</summary>
    public IReadOnlyDictionary<string, long>? Counters => (recommender as IReportingRecommender)?.Counters;

    /// <summary>The time of the next step to process, or <see cref="long.MaxValue"/> when done.</summary>
    public long NextTime =>
        history is not null && warmed < history.Length ? history.UnixSeconds[warmed]
        : next < scored.Length ? scored.UnixSeconds[next]
        : long.MaxValue;

    /// <summary>Processes every step that starts before <paramref name="untilUnixSeconds"/>.</summary>
    public void AdvanceTo(long untilUnixSeconds)
    {
        if (history is not null)
        {
            while (warmed < history.Length && history.UnixSeconds[warmed] < untilUnixSeconds)
            {
                recommender.Observe(new UsageSample(history.UnixSeconds[warmed], history.Cores[warmed], history.MemoryMiB[warmed], grid.Round(history.ProvisionedAt(warmed))));
                warmed++;
            }
            if (warmed < history.Length) return;
        }
        while (next < scored.Length && scored.UnixSeconds[next] < untilUnixSeconds)
        {
            var now = scored.UnixSeconds[next];
            // Decided at the start of the step from earlier steps only.
            var wanted = recommender.Recommend(now, decided);
            if (!double.IsFinite(wanted.Cores)) wanted = decided;
            wanted = grid.Round(wanted);
            if (wanted != decided)
            {
                decided = wanted;
                pending.Enqueue((now + delay, wanted));
            }
            while (pending.Count > 0 && pending.Peek().At <= now) inForce = pending.Dequeue().Allocation;
            Allocations[next] = inForce;
            recommender.Observe(new UsageSample(now, scored.Cores[next], scored.MemoryMiB[next], inForce));
            next++;
        }
    }
}
