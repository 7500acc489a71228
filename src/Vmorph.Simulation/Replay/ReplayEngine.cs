using Vmorph.Identity;
using Vmorph.Recommenders;
using Vmorph.Simulation.Scoring;

namespace Vmorph.Simulation.Replay;

/// <summary>The allocations one policy gave one VM, step by step (kept only when asked for).</summary>
/// <param name="Policy">The policy.</param>
/// <param name="Series">The VM's evaluated steps.</param>
/// <param name="Allocations">The allocation in force at each step.</param>
public sealed record AllocationTrack(string Policy, ReplaySeries Series, Allocation[] Allocations);

/// <summary>The outcome of a replay.</summary>
/// <param name="Scores">One score per policy, in the order given.</param>
/// <param name="PerVm">Scores per policy and VM.</param>
/// <param name="Tracks">Allocations kept (every VM with <see cref="ReplayOptions.KeepAllocations"/>, else those in <see cref="ReplayOptions.KeepFor"/>), by policy then VM in replay order.</param>
public sealed record ReplayResult(IReadOnlyList<PolicyScore> Scores, IReadOnlyDictionary<string, IReadOnlyList<PolicyScore>> PerVm, IReadOnlyList<AllocationTrack> Tracks);

/// <summary>Progress of a replay: VMs done of all.</summary>
public readonly record struct ReplayProgress(int VmsDone, int VmsTotal, string Vm);

/// <summary>
/// Replays VMs through policies, online: the allocation in force at step t was decided from steps before t only, at
/// the start of a step, and takes effect <see cref="ReplayOptions.Delay"/> later. Training steps (those of
/// <c>train</c>, and those before <see cref="ReplayOptions.EvaluateFrom"/>) are shown to each recommender first, as if
/// the VM had run with its trace capacity; only the rest is scored. VMs are independent and replayed in parallel; the
/// result does not depend on the parallelism.
/// </summary>
public static class ReplayEngine
{
    /// <summary>Replays every VM of <paramref name="evaluate"/> through every policy.</summary>
    public static ReplayResult Run(
        IReadOnlyList<ReplaySeries> evaluate,
        IReadOnlyDictionary<VmId, ReplaySeries> train,
        IReadOnlyList<PolicyUnderTest> policies,
        ReplayOptions options,
        IProgress<ReplayProgress>? progress,
        CancellationToken cancellationToken)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors), nameof(options));
        var n = evaluate.Count;
        var scored = new ReplaySeries[n];
        var histories = new ReplaySeries?[n];
        for (var v = 0; v < n; v++) (scored[v], histories[v]) = Split(evaluate[v], train, options);

        var allocations = new Allocation[n, policies.Count][];
        var policyCounters = new IReadOnlyDictionary<string, long>?[n, policies.Count];
        var lockstep = Enumerable.Range(0, policies.Count).Where(p => IsLockstep(policies[p])).ToList();
        var independent = Enumerable.Range(0, policies.Count).Except(lockstep).ToList();
        var steps = lockstep.Count > 0 ? 2 * n : n;
        var done = 0;
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = options.Parallelism };
        // Lock-step policies (VMs that read each other's activity) run together on a thread of their own, slice by slice,
        // each slice's VMs of every such policy in parallel, beside the independent ones, which run VM by VM in parallel.
        // Together, so that policies sharing forecasts (SharedForecasts) stay within a slice of each other: a stream
        // holds only the steps between its readers.
        var lockstepRun = Task.Factory.StartNew(() =>
        {
            if (lockstep.Count == 0) return;
            var runners = new VmRunner[lockstep.Count * n];
            for (var i = 0; i < lockstep.Count; i++)
                for (var v = 0; v < n; v++)
                    runners[i * n + v] = new VmRunner(policies[lockstep[i]].Factory!, scored[v], histories[v], options);
            var fleets = lockstep.Select(p => ((IFleetRecommenderFactory)policies[p].Factory!).Fleet!).Distinct().ToArray();
            RunLockstep(runners, fleets, (long)Math.Max(1, options.LockstepSlice.TotalSeconds), parallel);
            for (var v = 0; v < n; v++)
            {
                for (var i = 0; i < lockstep.Count; i++)
                {
                    allocations[v, lockstep[i]] = runners[i * n + v].Allocations;
                    policyCounters[v, lockstep[i]] = runners[i * n + v].Counters;
                }
                // One of the 2n progress steps a VM, whatever the number of lock-step policies.
                progress?.Report(new ReplayProgress(Interlocked.Increment(ref done), steps, evaluate[v].Vm.Value));
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Parallel.For(0, n, parallel, v =>
        {
            foreach (var p in independent)
            {
                cancellationToken.ThrowIfCancellationRequested();
                (allocations[v, p], policyCounters[v, p]) = Decide(policies[p], scored[v], histories[v], options);
            }
            progress?.Report(new ReplayProgress(Interlocked.Increment(ref done), steps, evaluate[v].Vm.Value));
        });
        lockstepRun.Wait(cancellationToken);

        var perVm = new PolicyScore[n, policies.Count];
        var accumulators = new ScoreAccumulator[n, policies.Count];
        var tracks = new List<AllocationTrack>();
        var scores = new List<PolicyScore>(policies.Count);
        var byPolicy = new Dictionary<string, IReadOnlyList<PolicyScore>>(StringComparer.Ordinal);
        for (var p = 0; p < policies.Count; p++)
        {
            var name = policies[p].Name;
            var total = new ScoreAccumulator();
            var sums = new SortedDictionary<string, long>(StringComparer.Ordinal);
            for (var v = 0; v < n; v++)
            {
                var accumulator = Score(scored[v], allocations[v, p], options.Grid.Round(scored[v].Length > 0 ? scored[v].ProvisionedAt(0) : default));
                accumulators[v, p] = accumulator;
                perVm[v, p] = accumulator.ToScore(name, policyCounters[v, p]);
                total.Merge(accumulator);
                foreach (var (key, value) in policyCounters[v, p] ?? new Dictionary<string, long>())
                    sums[key] = sums.GetValueOrDefault(key) + value;
                if (options.KeepAllocations || options.KeepFor.Contains(scored[v].Vm)) tracks.Add(new AllocationTrack(name, scored[v], allocations[v, p]));
            }
            scores.Add(total.ToScore(name, policyCounters.Cast<object?>().Any(c => c is not null) ? new Dictionary<string, long>(sums, StringComparer.Ordinal) : null));
            byPolicy[name] = [.. Enumerable.Range(0, n).Select(v => perVm[v, p])];
        }
        return new ReplayResult(scores, byPolicy, tracks);
    }

    /// <summary>
    /// Advances runners slice by slice: every VM up to the end of the slice (in parallel: within a slice the VMs only
    /// post to their policy's fleet, and a post becomes visible at the publication), then each fleet's activity is
    /// published; empty stretches of time are skipped. A VM deciding at t sees only what its peers did in earlier
    /// slices, so before t.
    /// </summary>
    private static void RunLockstep(VmRunner[] runners, Forecasting.FleetActivity[] fleets, long slice, ParallelOptions parallel)
    {
        var cancellationToken = parallel.CancellationToken;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var earliest = long.MaxValue;
            foreach (var r in runners) earliest = Math.Min(earliest, r.NextTime);
            if (earliest == long.MaxValue) return;
            var until = (earliest / slice + 1) * slice;
            Parallel.For(0, runners.Length, parallel, v => runners[v].AdvanceTo(until));
            foreach (var fleet in fleets) fleet.Publish();
        }
    }

    private static bool IsLockstep(PolicyUnderTest policy) =>
        policy.Kind == PolicyKind.Online && policy.Factory is IFleetRecommenderFactory { Fleet: not null };

    /// <summary>The scored steps of a VM and the warm-up steps before them (training series, and the VM's own steps before <see cref="ReplayOptions.EvaluateFrom"/>).</summary>
    internal static (ReplaySeries Scored, ReplaySeries? History) Split(ReplaySeries whole, IReadOnlyDictionary<VmId, ReplaySeries> train, ReplayOptions options)
    {
        var evaluateFrom = options.EvaluateFrom?.ToUnixTimeSeconds();
        var scored = whole.From(evaluateFrom);
        var warmUp = new List<ReplaySeries>();
        if (scored.Length > 0 && train.TryGetValue(whole.Vm, out var trained))
        {
            var before = trained.Before(scored.UnixSeconds[0]);
            if (before.Length > 0) warmUp.Add(before);
        }
        if (evaluateFrom is { } from)
        {
            var before = whole.Before(from);
            if (before.Length > 0) warmUp.Add(before);
        }
        return (scored, warmUp.Count == 0 ? null : ReplaySeries.Concat(warmUp));
    }

    /// <summary>The allocation in force at each step of <paramref name="scored"/> under one policy (not for lock-step policies).</summary>
    internal static (Allocation[] Allocations, IReadOnlyDictionary<string, long>? Counters) Decide(PolicyUnderTest policy, ReplaySeries scored, ReplaySeries? history, ReplayOptions options)
    {
        var n = scored.Length;
        var grid = options.Grid;
        var result = new Allocation[n];
        if (n == 0) return (result, null);
        switch (policy.Kind)
        {
            case PolicyKind.Static:
                for (var i = 0; i < n; i++) result[i] = grid.Round(scored.ProvisionedAt(i));
                return (result, null);
            case PolicyKind.Oracle:
                return (OraclePlanner.Plan(scored.UnixSeconds, scored.Cores, scored.MemoryMiB, grid.Round(scored.ProvisionedAt(0)), grid, policy.MorphsPerDay), null);
        }
        var runner = new VmRunner(policy.Factory!, scored, history, options);
        runner.AdvanceTo(long.MaxValue);
        return (runner.Allocations, runner.Counters);
    }

    private static ScoreAccumulator Score(ReplaySeries scored, Allocation[] allocations, Allocation initial)
    {
        var accumulator = new ScoreAccumulator();
        if (scored.Length == 0) return accumulator;
        accumulator.BeginVm(scored.Length * scored.Step().TotalDays);
        var previous = initial;
        for (var i = 0; i < scored.Length; i++)
        {
            var a = allocations[i];
            accumulator.Add(scored.Cores[i], a.Cores, scored.MemoryMiB[i], a.MemoryMiB);
            if (a != previous) accumulator.AddMorph();
            previous = a;
        }
        return accumulator;
    }
}
