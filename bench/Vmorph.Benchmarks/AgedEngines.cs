using System.Diagnostics;
using System.Globalization;
using Vmorph.Forecasting;
using Vmorph.Loop.Grains;
using Vmorph.Observations;
using Vmorph.Policies;
using Vmorph.Profiles;
using Vmorph.Recommenders;
using Vmorph.Replay;
using Vmorph.Traits;
using Vmorph.Triggers;

namespace Vmorph.Benchmarks;

/// <summary>
/// Bytes per VM of an old fleet's decision state in <c>vmorph serve</c>: builds N policy engines as the grain does
/// (the built-in <c>vmorph</c> policy, the right-size grid, the cycle rings and the workload traits read from the VM's
/// profile, which the bench keeps beside each engine as the grain does) and feeds each DAYS of 5-minute steps from a
/// trace (VM i replays trace VM i mod the trace's VMs, wrapping around its series): a sample folded into the profile,
/// an observation and a decision a step, applying what the engine asks for. Then it reads the managed heap after two
/// compacting collections, minus the heap before the engines were made: engines and profiles, then the profiles alone
/// once the engines are dropped, the difference being the engines'. Run:
/// <c>dotnet bench/Vmorph.Benchmarks/bin/Release/net10.0/Vmorph.Benchmarks.dll aged-engines ../shared/traces/bitbrains-rnd/2013-7 1000 7</c>.
/// It prints a decisions digest (FNV-1a over every allocation the engines asked for, in order): two builds that decide
/// alike print the same. Diagnostics, by environment variable: <c>BREAKDOWN="cpu;predictive.own.Cpu"</c> drops those
/// fields (paths of field names, array indexes as numbers) of every engine in turn and prints the bytes each freed;
/// <c>PROFILE_BREAKDOWN</c> the same for the profiles; <c>SKETCHES=1</c> counts the seasonal sketches' entry slots and
/// entries held; <c>MODELS=1</c> tells which forecasters the back-tests chose; <c>JITTER=N</c> moves each step's time by
/// up to N seconds either way (a live collector's timer).
/// </summary>
public static class AgedEngines
{
    public static int Run(string[] args, TextWriter output)
    {
        if (args.Length < 4 || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var count) || count < 1
            || !int.TryParse(args[3], CultureInfo.InvariantCulture, out var days) || days < 0)
        {
            output.WriteLine("usage: aged-engines TRACE_PATH VMS DAYS [HOLD_SECONDS]");
            return 64;
        }
        var loaded = ReplayFleet.Load([args[1]], new ReplayFleetOptions(), CancellationToken.None);
        if (!loaded.IsSuccess)
        {
            output.WriteLine(string.Join("; ", loaded.Errors));
            return 1;
        }
        var series = loaded.Value.Series.Where(s => s.Length > 0).ToList();
        var policy = PolicyCatalog.BuiltIn.Find(PolicyCatalog.DefaultPolicy)!;
        var steps = days * 288;
        var before = Heap();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var engines = new PolicyEngine[count];
        // Every allocation each engine asked for, in order, then the VMs' hashes in VM order: two builds that decide
        // alike print the same digest.
        var digests = new ulong[count];
        Array.Fill(digests, 14695981039346656037UL);
        static ulong Digest(ulong digest, double value) => unchecked((digest ^ (ulong)BitConverter.DoubleToInt64Bits(value)) * 1099511628211UL);
        var profiles = new PersonalityProfile[count];
        var currents = new Allocation[count];
        // As the live loop does: one FastTree model for the fleet, trained from its VMs' first weeks (OWN_MODELS: one a VM).
        var fleetModel = Environment.GetEnvironmentVariable("OWN_MODELS") is null ? new FleetDemandModel(inBackground: false) : null;
        for (var i = 0; i < count; i++)
        {
            var trace = series[i % series.Count];
            var provisioned = new Allocation(trace.Provisioned.Vcpus ?? 1, trace.Provisioned.Memory?.Mebibytes ?? double.NaN);
            var profile = new PersonalityProfile(new Identity.VmId($"bench:{i}"), $"vm{i}", "bench");
            profiles[i] = profile;
            engines[i] = new PolicyEngine(policy, new VmContext(profile.Id, profile.Name, new Dictionary<string, string>(), provisioned, trace.Step),
                ArchetypeCatalog.BuiltIn, grid: RightSizeTarget.Grid, cycles: () => profile.Performance.Cycles,
                workloadTraits: () => TraitScorer.Score(profile, ArchetypeCatalog.BuiltIn), fleetModel: fleetModel);
            currents[i] = provisioned;
        }
        // The VMs step together on one clock from the first series' start, as a fleet does (the fleet's model is trained
        // when the first VMs have a week): step s of each VM is its series' step s.
        var start = series.Min(x => x.Start).ToUnixTimeSeconds();
        // JITTER=N moves each step's time by up to N seconds either way, as a live collector's timer does (the trace's
        // times are exact), so that the histories hold what a live fleet's hold.
        var jitter = int.TryParse(Environment.GetEnvironmentVariable("JITTER"), CultureInfo.InvariantCulture, out var j) ? Math.Max(0, j) : 0;
        for (var s = 0; s < steps; s++)
        {
            for (var i = 0; i < count; i++)
            {
                var trace = series[i % series.Count];
                var current = currents[i];
                var stepSeconds = (long)trace.Step.TotalSeconds;
                var at = s % trace.Length;
                var t = start + s * stepSeconds + (jitter > 0 ? (long)(unchecked((uint)(i * 73856093) ^ (uint)(s * 19349663)) % (uint)(2 * jitter + 1)) - jitter : 0);
                var cores = trace.CoresAt(at)?.Value ?? double.NaN;
                var memory = trace.MemoryAt(at)?.Mebibytes ?? double.NaN;
                profiles[i].Fold(new MetricSample(DateTimeOffset.FromUnixTimeSeconds(t),
                    cpu: cores >= 0 ? new Units.CpuCores(cores) : null, cpuAllocated: new Units.CpuCores(current.Cores),
                    memory: memory >= 0 ? Units.MemorySize.FromMiB(memory) : null,
                    memoryAllocated: current.HasMemory ? Units.MemorySize.FromMiB(current.MemoryMiB) : null));
                engines[i].Observe(new UsageSample(t, cores, memory, current));
                current = currents[i] = engines[i].Recommend(t + stepSeconds, current);
                digests[i] = Digest(Digest(digests[i], current.Cores), current.HasMemory ? current.MemoryMiB : -1);
            }
        }
        var digest = 14695981039346656037UL;
        foreach (var d in digests) digest = Digest(digest, BitConverter.Int64BitsToDouble((long)d));
        var spent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (Environment.GetEnvironmentVariable("MODELS") is not null)
            output.WriteLine("models in use: " + string.Join(", ", engines.GroupBy(e => $"cpu {e.Predictive?.CpuModel ?? "none"} / memory {e.Predictive?.MemoryModel ?? "none"}").OrderByDescending(g => g.Count()).Select(g => $"{g.Key}: {g.Count()}")));
        if (fleetModel is not null)
            output.WriteLine("the fleet's model: " + (fleetModel.Trained() is [var (_, _, m), ..] ? $"{m.TreeCount} trees on {m.TrainingRows:N0} rows" : "not trained"));
        var held = Heap() - before;
        // HOLD_SECONDS keeps the engines alive that long after the reading, for a heap dump (dotnet-gcdump collect -p PID).
        if (args.Length > 4 && int.TryParse(args[4], CultureInfo.InvariantCulture, out var hold))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"holding for {hold} s: process {Environment.ProcessId}"));
            Thread.Sleep(TimeSpan.FromSeconds(hold));
        }
        if (Environment.GetEnvironmentVariable("SKETCHES") is not null)
        {
            long slots = 0, entries = 0, sketches = 0;
            foreach (var e in engines)
                foreach (var path in new[] { "predictive.own.seasonal.0.weekly", "predictive.own.seasonal.1.weekly", "predictive.own.seasonal.0.daily", "predictive.own.seasonal.1.daily" })
                {
                    var set = Get(e, path)!;
                    var counts = (byte[])Get(set, "counts")!;
                    slots += ((uint[])Get(set, "entries")!).Length;
                    entries += counts.Sum(c => (long)c);
                    sketches += counts.Length;
                }
            output.WriteLine($"sketches {sketches / count} a VM: entry slots {slots / count}, entries held {entries / count}");
            // Where the entries lie: per set, the entries a VM in each octave of the scale (its first bucket below
            // 1/1024 of the capacity, then 8 buckets an octave), and the largest count a sketch holds.
            foreach (var path in new[] { "predictive.own.seasonal.0.weekly", "predictive.own.seasonal.1.weekly", "predictive.own.seasonal.0.daily", "predictive.own.seasonal.1.daily", "predictive.own.seasonal.0.all", "predictive.own.seasonal.1.all" })
            {
                var octaves = new long[12];
                var most = 0;
                foreach (var e in engines)
                {
                    var set = Get(e, path)!;
                    var counts = (byte[])Get(set, "counts")!;
                    var slotsHeld = (uint[])Get(set, "entries")!;
                    var used = (int)Get(set, "used")!;
                    for (var i = 0; i < used; i++) octaves[Math.Min(11, (int)((slotsHeld[i] >> 23) + 7) / 8)]++;
                    most = Math.Max(most, counts.Max());
                }
                output.WriteLine($"{path}: entries a VM by octave (<1/1024, then 1/1024.. up to 1..2) {string.Join(" ", octaves.Select(o => (o / (double)count).ToString("0.0", CultureInfo.InvariantCulture)))}; most in a sketch {most}");
            }
        }
        if (Environment.GetEnvironmentVariable("BREAKDOWN") is { } paths) Breakdown("", engines, paths, output);
        GC.KeepAlive(engines);
        Array.Clear(engines);
        var profilesHeld = Heap() - before;
        if (Environment.GetEnvironmentVariable("PROFILE_BREAKDOWN") is { } profilePaths) Breakdown("profile ", profiles, profilePaths, output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count:N0} engines aged {days} d ({steps:N0} steps each) from {args[1]}: heap held {held:N0} bytes, {held / count:N0} bytes ({held / count / 1024.0:0.0} KiB) a VM with its profile: the engine {(held - profilesHeld) / count:N0} bytes ({(held - profilesHeld) / count / 1024.0:0.0} KiB), the profile {profilesHeld / count:N0} bytes ({profilesHeld / count / 1024.0:0.0} KiB); CPU {spent.TotalSeconds:0.0} s; decisions digest {digest:x16}"));
        GC.KeepAlive(profiles);
        // The trace stays alive through every reading, so that none of them counts it freed.
        GC.KeepAlive(loaded);
        GC.KeepAlive(series);
        return 0;
    }

    // Drops each path's field (or array element) from every root in turn, printing the bytes a root each freed.
    private static void Breakdown(string label, object[] roots, string paths, TextWriter output)
    {
        var last = Heap();
        foreach (var path in paths.Split(';'))
        {
            foreach (var root in roots) Null(root, path);
            var now = Heap();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}{path}: {(last - now) / roots.Length:N0} bytes a VM"));
            last = now;
        }
    }

    // The object at a path of field names (auto-properties by their names) and array indexes, or null on the way.
    private static object? Get(object? o, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (o is null) return null;
            o = int.TryParse(part, CultureInfo.InvariantCulture, out var index) ? ((Array)o).GetValue(index) : Field(o, part).GetValue(o);
        }
        return o;
    }

    private static void Null(object root, string path)
    {
        var cut = path.LastIndexOf('.');
        var parent = cut < 0 ? root : Get(root, path[..cut]);
        var last = path[(cut + 1)..];
        if (parent is null) return;
        if (int.TryParse(last, CultureInfo.InvariantCulture, out var index)) ((Array)parent).SetValue(null, index);
        else Field(parent, last).SetValue(parent, null);
    }

    private static System.Reflection.FieldInfo Field(object o, string name)
    {
        const System.Reflection.BindingFlags Flags = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public;
        for (var t = o.GetType(); t is not null; t = t.BaseType)
            if ((t.GetField(name, Flags) ?? t.GetField($"<{name}>k__BackingField", Flags)) is { } field) return field;
        throw new InvalidOperationException($"no field {name} on {o.GetType()}");
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
