using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Sources;
using Vmorph.Traces;

namespace Vmorph.Replay;

/// <summary>
/// A fleet replayed from a trace: every trace VM (up to <see cref="ReplayFleetOptions.MaxVms"/>), cloned up to
/// <see cref="ReplayFleetOptions.ReplicateTo"/> VMs, each a <see cref="ReplayVm"/> whose usage comes from its trace
/// VM's <see cref="UsageSeries"/> and whose allocation morphs change. Series that start on different days (PlanetLab,
/// Google) are moved by whole days to the first one's day, so the whole fleet runs from <see cref="Start"/> keeping each
/// VM's time of day; each VM loops around at the end of its series. The replay hypervisor, morph host and driver are
/// views of one fleet, so what a morph changes is what the collector reads next.
/// </summary>
public sealed class ReplayFleet
{
    /// <summary>The prefix of every replayed VM's id, so that replayed VMs never mix with VMs imported from the same trace.</summary>
    public const string IdPrefix = "replay:";

    private readonly ImmutableArray<ReplayVm> vms;
    private readonly Dictionary<VmId, ReplayVm> byId;
    private readonly Dictionary<string, ReplayVm> byName;
    private readonly List<Action<HypervisorEvent>> listeners = [];

    private ReplayFleet(string name, IReadOnlyList<UsageSeries> series, ImmutableArray<ReplayVm> vms, DateTimeOffset start, IReadOnlyList<string> notes)
    {
        Name = name;
        Series = series;
        this.vms = vms;
        Start = start;
        Notes = notes;
        byId = vms.ToDictionary(v => v.Id);
        byName = vms.ToDictionary(v => v.Name, StringComparer.Ordinal);
    }

    /// <summary>The fleet's name.</summary>
    public string Name { get; }

    /// <summary>Its connection URI: <c>replay:///NAME</c>.</summary>
    public string Uri => "replay:///" + Name;

    /// <summary>The replayed instant the fleet starts at: the trace's first step (a <see cref="ReplayClock"/> starts here).</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The trace VMs' series, each shared by the VM and its clones.</summary>
    public IReadOnlyList<UsageSeries> Series { get; }

    /// <summary>The replayed VMs, trace VMs first, then their clones.</summary>
    public IReadOnlyList<ReplayVm> Vms => vms;

    /// <summary>What the trace readers and the loading said (synthetic timestamps, series moved, ...).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The most common step of the series (5 minutes for every public trace here).</summary>
    public TimeSpan Step => Series.GroupBy(s => s.Step).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;

    /// <summary>The VM with this id or domain name, or null.</summary>
    public ReplayVm? Find(string idOrName)
    {
        if (byName.TryGetValue(idOrName, out var named)) return named;
        return VmId.IsValid(idOrName, out _) && byId.TryGetValue(new VmId(idOrName), out var found) ? found : null;
    }

    /// <summary>The VM with this id, or null.</summary>
    public ReplayVm? Find(VmId id) => byId.GetValueOrDefault(id);

    /// <summary>
    /// Reads the trace files under <paramref name="paths"/> (files, or directories searched for <c>.gz</c> and <c>.csv</c>
    /// files) with the trace readers and builds the fleet; any problem (a missing path, a file that is not a trace, a
    /// trace without usable VMs, bad options) is one failure naming it.
    /// </summary>
    public static Result<ReplayFleet> Load(IReadOnlyList<string> paths, ReplayFleetOptions options, CancellationToken cancellationToken, ITraceReader? reader = null)
    {
        var invalid = options.Validate();
        if (invalid.Count > 0) return Result<ReplayFleet>.Fail([.. invalid.Select(e => "replay: " + e)]);
        if (paths.Count == 0) return Result<ReplayFleet>.Fail("replay: no trace path given");
        reader ??= new TraceReader();
        var where = string.Join(", ", paths);
        IReadOnlyList<string> files;
        try
        {
            files = reader.Expand(paths);
        }
        catch (Exception e) when (e is FileNotFoundException or TraceFormatException or IOException or UnauthorizedAccessException)
        {
            return Result<ReplayFleet>.Fail($"cannot replay {where}: {e.Message}");
        }

        var nominal = new VmConfiguration { Vcpus = options.NominalVcpus, Memory = options.NominalMemory };
        var read = new ConcurrentDictionary<int, (TraceFile File, List<UsageSeries> Series)>();
        try
        {
            if (options.MaxVms is { } wanted)
            {
                // In order, until enough VMs are found: a few files of a large trace are read, not all of it.
                var seen = new HashSet<VmId>();
                for (var i = 0; i < files.Count && seen.Count < wanted; i++)
                {
                    var file = reader.Read(files[i], new TraceReadOptions(), cancellationToken);
                    var series = Convert(file, nominal);
                    read[i] = (file, series);
                    foreach (var s in series) seen.Add(s.TraceVm);
                }
            }
            else
            {
                Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
                {
                    var file = reader.Read(files[i], new TraceReadOptions(), cancellationToken);
                    read[i] = (file, Convert(file, nominal));
                });
            }
        }
        catch (Exception e) when (e is FileNotFoundException or TraceFormatException or IOException or UnauthorizedAccessException)
        {
            return Result<ReplayFleet>.Fail($"cannot replay {where}: {e.Message}");
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is FileNotFoundException or TraceFormatException or IOException or UnauthorizedAccessException) is { } first)
        {
            return Result<ReplayFleet>.Fail($"cannot replay {where}: {first.Message}");
        }

        var notes = new List<string>();
        var merged = new Dictionary<VmId, UsageSeries>();
        var order = new List<VmId>();
        foreach (var (_, (file, series)) in read.OrderBy(r => r.Key))
        {
            foreach (var note in file.Notes)
                if (!notes.Contains(note)) notes.Add(note);
            foreach (var s in series)
            {
                if (!merged.TryGetValue(s.TraceVm, out var known))
                {
                    merged[s.TraceVm] = s;
                    order.Add(s.TraceVm);
                }
                else if (UsageSeries.Merge(known, s) is { } joined) merged[s.TraceVm] = joined;
                else notes.Add($"replay: {s.TraceVm} in {file.Path} has {s.Step.TotalSeconds:0} s steps, not {known.Step.TotalSeconds:0} s as before: that part is left out");
            }
        }
        if (order.Count == 0)
            return Result<ReplayFleet>.Fail($"cannot replay {where}: its {files.Count} trace file(s) hold no VM with usage samples (configurations alone cannot be replayed)");
        var chosen = order.Take(options.MaxVms ?? int.MaxValue).Select(id => merged[id]).ToList();
        var name = options.Name ?? NameOf(paths[0]);
        return Result<ReplayFleet>.Ok(FromSeries(name, chosen, options, notes));
    }

    /// <summary>Builds a fleet from series already made (<see cref="Load"/> reads them from a trace).</summary>
    public static ReplayFleet FromSeries(string name, IReadOnlyList<UsageSeries> series, ReplayFleetOptions options, IReadOnlyList<string>? notes = null)
    {
        if (series.Count == 0) throw new ArgumentException("a replayed fleet needs at least one series", nameof(series));
        var invalid = options.Validate();
        if (invalid.Count > 0) throw new ArgumentException("replay options are not valid: " + string.Join("; ", invalid), nameof(options));
        var allNotes = new List<string>(notes ?? []);
        var start = series.Min(s => s.Start);
        var origins = series.Select(s => s.Start - TimeSpan.FromDays(Math.Floor((s.Start - start).TotalDays))).ToList();
        var moved = series.Count(s => s.Start - start >= TimeSpan.FromDays(1));
        if (moved > 0)
            allNotes.Add($"replay: {moved} of {series.Count} trace VMs start on a later day than the first; they are moved by whole days to {start.UtcDateTime:yyyy-MM-dd}, keeping their time of day");
        var initial = series.Select(s => InitialConfiguration(s, options)).ToList();
        var total = options.ReplicateTo ?? series.Count;
        var vms = ImmutableArray.CreateBuilder<ReplayVm>(total);
        var names = UniqueNames(series);
        for (var i = 0; i < total; i++)
        {
            var index = i % series.Count;
            var clone = i / series.Count;
            var s = series[index];
            var suffix = clone == 0 ? "" : "~" + clone.ToString(CultureInfo.InvariantCulture);
            var origin = origins[index] + options.CloneShift * clone;
            vms.Add(new ReplayVm(new VmId(IdPrefix + s.TraceVm.Value + suffix), names[index] + suffix, s, origin, initial[index]));
        }
        if (total > series.Count)
            allNotes.Add($"replay: {total} VMs from {series.Count} trace VMs: clones have the suffix ~N and their usage {options.CloneShift.TotalMinutes:0} min × N later");
        return new ReplayFleet(name, series, vms.MoveToImmutable(), start, allNotes);
    }

    internal IDisposable Subscribe(Action<HypervisorEvent> listener)
    {
        lock (listeners) listeners.Add(listener);
        return new Subscription(this, listener);
    }

    internal void Publish(HypervisorEvent e)
    {
        Action<HypervisorEvent>[] now;
        lock (listeners) now = [.. listeners];
        foreach (var listener in now) listener(e);
    }

    private sealed class Subscription(ReplayFleet fleet, Action<HypervisorEvent> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (fleet.listeners) fleet.listeners.Remove(listener);
        }
    }

    private static List<UsageSeries> Convert(TraceFile file, VmConfiguration nominal) =>
        [.. file.Series.Select(s => UsageSeries.From(s.Vm, s.Name, file.Format, s.Samples, s.Configurations, nominal)).OfType<UsageSeries>()];

    // Like a libvirt domain: vCPUs and memory with maximums equal to them, one disk the disk limits apply to.
    private static VmConfiguration InitialConfiguration(UsageSeries series, ReplayFleetOptions options)
    {
        var vcpus = Math.Min(series.Provisioned.Vcpus ?? options.NominalVcpus, ReplayHost.Cores);
        var memory = series.Provisioned.Memory ?? options.NominalMemory;
        return new VmConfiguration
        {
            Vcpus = vcpus,
            MaxVcpus = vcpus,
            Memory = memory,
            MaxMemory = memory,
            Disks = ImmutableSortedDictionary.Create<string, DiskConfiguration>(StringComparer.Ordinal)
                .Add("vda", new DiskConfiguration { Source = "replay:" + series.TraceVm.Value, Capacity = options.DiskCapacity }),
        };
    }

    // The trace id with anything but letters, digits, '.', '_' and '-' as '-' (bitbrains:17 -> bitbrains-17); a name
    // that two ids share after that gets the trace VM's position (-N) too.
    private static List<string> UniqueNames(IReadOnlyList<UsageSeries> series)
    {
        var names = series.Select(s => Sanitise(s.TraceVm.Value)).ToList();
        var counts = names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        return [.. names.Select((n, i) => counts.Contains(n) ? n + "-" + (i + 1).ToString(CultureInfo.InvariantCulture) : n)];
    }

    private static string Sanitise(string text) =>
        new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]);

    private static string NameOf(string path)
    {
        var trimmed = path.TrimEnd('/');
        var last = System.IO.Path.GetFileName(trimmed);
        foreach (var extension in new[] { ".gz", ".csv", ".tar" })
            if (last.EndsWith(extension, StringComparison.OrdinalIgnoreCase)) last = last[..^extension.Length];
        var name = Sanitise(last);
        return name.Length == 0 ? "trace" : name;
    }
}
