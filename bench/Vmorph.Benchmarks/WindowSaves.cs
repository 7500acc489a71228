using System.Diagnostics;
using System.Globalization;
using Vmorph.Identity;
using Vmorph.Loop.Hosting;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Storage.Sqlite;
using Vmorph.Store;

namespace Vmorph.Benchmarks;

/// <summary>
/// What a decide-loop cycle's saves cost for an old fleet: VMS VMs each with SAMPLES samples already folded and in its
/// raw window (2,016 is a week of five-minute samples), then CYCLES cycles in which every VM folds one new sample and is
/// saved through <see cref="BatchedProfileSaves"/> into a SQLite store, as the grains do. Two stores side by side, the
/// cycles alternating between them: "whole" writes the whole raw window with each save (the loop before the appends),
/// "append" appends the new sample (the loop now, each VM compacting its window once every
/// <c>VmGrain.AppendsBetweenCompactions</c> cycles, spread over the fleet). Reports the process CPU time of each cycle's
/// encoding and saving. <c>window-saves VMS SAMPLES CYCLES</c>.
/// </summary>
internal static class WindowSaves
{
    private const int AppendsBetweenCompactions = 288;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        if (args.Length != 4)
        {
            output.WriteLine("usage: window-saves VMS SAMPLES CYCLES");
            return 2;
        }
        var vms = int.Parse(args[1], CultureInfo.InvariantCulture);
        var samples = int.Parse(args[2], CultureInfo.InvariantCulture);
        var cycles = int.Parse(args[3], CultureInfo.InvariantCulture);
        var directory = Directory.CreateTempSubdirectory("vmorph-window-saves-").FullName;
        try
        {
            var history = FoldingBenchmarks.SyntheticSamples(samples + cycles, seed: 7);
            var whole = await SeedAsync(Path.Combine(directory, "whole.db"), vms, history[..samples]);
            var append = await SeedAsync(Path.Combine(directory, "append.db"), vms, history[..samples]);
            output.WriteLine(FormattableString.Invariant($"{vms:N0} VMs with {samples:N0} samples each; cycle | whole window: CPU s, wall s | appended sample: CPU s, wall s"));
            var wholeCpu = new List<double>();
            var appendCpu = new List<double>();
            for (var c = 0; c < cycles; c++)
            {
                var sample = history[samples + c];
                var (wc, ww) = await CycleAsync(whole, sample, appended: false, c);
                var (ac, aw) = await CycleAsync(append, sample, appended: true, c);
                wholeCpu.Add(wc);
                appendCpu.Add(ac);
                output.WriteLine(FormattableString.Invariant($"{c + 1,5} | {wc,8:0.000} | {ww,8:0.000} | {ac,8:0.000} | {aw,8:0.000}"));
            }
            output.WriteLine(FormattableString.Invariant(
                $"CPU per cycle, median: whole window {Median(wholeCpu):0.000} s ({Median(wholeCpu) / vms * 1e3:0.000} ms a VM), appended sample {Median(appendCpu):0.000} s ({Median(appendCpu) / vms * 1e3:0.000} ms a VM)"));
            foreach (var fleet in new[] { whole, append }) fleet.Store.Dispose();
            output.WriteLine(FormattableString.Invariant($"store files: whole {new FileInfo(Path.Combine(directory, "whole.db")).Length:N0} bytes, append {new FileInfo(Path.Combine(directory, "append.db")).Length:N0} bytes (before checkpoints of the WAL)"));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed record Fleet(SqliteFleetStore Store, BatchedProfileSaves Saves, PersonalityProfile[] Profiles, RecentSamples[] Windows, long[] Versions);

    private static async Task<Fleet> SeedAsync(string path, int vms, MetricSample[] history)
    {
        var store = SqliteFleetStore.Open(path, TimeProvider.System);
        var profiles = new PersonalityProfile[vms];
        var windows = new RecentSamples[vms];
        Parallel.For(0, vms, i =>
        {
            profiles[i] = new PersonalityProfile(new VmId($"bench:{i}"), $"vm-{i}", "bench");
            foreach (var s in history) profiles[i].Fold(s);
            windows[i] = new RecentSamples();
            windows[i].AddRange(history);
        });
        for (var i = 0; i < vms; i += BatchedProfileSaves.MaxBatch)
        {
            await store.SaveAsync([.. Enumerable.Range(i, Math.Min(BatchedProfileSaves.MaxBatch, vms - i))
                .Select(v => new ProfileUpdate(profiles[v], null, [], windows[v]))], null, CancellationToken.None);
        }
        return new Fleet(store, new BatchedProfileSaves(store), profiles, windows, [.. Enumerable.Repeat(1L, vms)]);
    }

    private static async Task<(double Cpu, double Wall)> CycleAsync(Fleet fleet, MetricSample sample, bool appended, int cycle)
    {
        var wall = Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        var saves = new Task[fleet.Profiles.Length];
        Parallel.For(0, fleet.Profiles.Length, i =>
        {
            var profile = fleet.Profiles[i];
            profile.Fold(sample);
            fleet.Windows[i].AddRange([sample]);
            var update = appended
                ? new ProfileUpdate(profile, fleet.Versions[i], [], null)
                {
                    Appended = [sample],
                    CompactWindow = (cycle + i) % AppendsBetweenCompactions == 0,
                    Encoded = EncodedProfile.Of(profile, null, [sample]),
                }
                : new ProfileUpdate(profile, fleet.Versions[i], [], fleet.Windows[i]) { Encoded = EncodedProfile.Of(profile, fleet.Windows[i]) };
            saves[i] = fleet.Saves.SaveAsync(update);
        });
        await Task.WhenAll(saves);
        for (var i = 0; i < fleet.Versions.Length; i++) fleet.Versions[i]++;
        return ((Environment.CpuUsage.TotalTime - cpu).TotalSeconds, wall.Elapsed.TotalSeconds);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
