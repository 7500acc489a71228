using System.Collections.Concurrent;
using Vmorph.Identity;
using Vmorph.Sources;

namespace Vmorph.Simulation.Replay;

/// <summary>What was read: the series per VM, and what the files said.</summary>
/// <param name="Series">One series per VM, in the order of their first file, then by name.</param>
/// <param name="Files">The files read.</param>
/// <param name="Rows">Data rows read.</param>
/// <param name="MissingRows">Rows the traces mark as missing data (dropped and counted, never filled in).</param>
/// <param name="Notes">The readers' notes (synthetic timestamps, clamping, ...).</param>
public sealed record LoadedTraces(IReadOnlyList<ReplaySeries> Series, IReadOnlyList<string> Files, long Rows, long MissingRows, IReadOnlyList<string> Notes);

/// <summary>
/// Reads traces through an <see cref="ITraceReader"/> (files in parallel) into <see cref="ReplaySeries"/>: CPU in cores
/// where the trace has capacities; utilisation × <see cref="NominalCores"/> where it has only a percentage (Azure,
/// PlanetLab), whose provisioned CPU is then that nominal capacity and whose memory is not managed.
/// </summary>
public sealed class TraceLoader(ITraceReader reader, double nominalCores = TraceLoader.DefaultNominalCores)
{
    /// <summary>The nominal capacity of a VM in a CPU-only trace: 1 core = 100 %.</summary>
    public const double DefaultNominalCores = 1.0;

    /// <summary>The nominal capacity used for CPU-only traces.</summary>
    public double NominalCores { get; } = nominalCores > 0 ? nominalCores : throw new ArgumentOutOfRangeException(nameof(nominalCores), nominalCores, "The nominal capacity must be positive.");

    /// <summary>Reads every trace file under the paths.</summary>
    public LoadedTraces Load(IEnumerable<string> paths, IProgress<(int Done, int Total, string File)>? progress, CancellationToken cancellationToken)
    {
        var files = reader.Expand(paths);
        var read = new TraceFile[files.Count];
        var done = 0;
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, files.Count, options, i =>
        {
            read[i] = reader.Read(files[i], new TraceReadOptions(), cancellationToken);
            var n = Interlocked.Increment(ref done);
            progress?.Report((n, files.Count, files[i]));
        });

        var parts = new ConcurrentDictionary<VmId, List<(int File, ReplaySeries Series)>>();
        var order = new List<VmId>();
        for (var f = 0; f < read.Length; f++)
        {
            foreach (var series in read[f].Series)
            {
                var replay = Convert(series, read[f].Format);
                if (replay.Length == 0) continue;
                var list = parts.GetOrAdd(series.Vm, _ => []);
                if (list.Count == 0) order.Add(series.Vm);
                list.Add((f, replay));
            }
        }
        var merged = order.Select(vm => ReplaySeries.Concat([.. parts[vm].Select(p => p.Series)])).ToList();
        return new LoadedTraces(
            merged,
            files,
            read.Sum(r => r.Rows),
            read.Sum(r => r.MissingRows),
            [.. read.SelectMany(r => r.Notes).Distinct(StringComparer.Ordinal)]);
    }

    private ReplaySeries Convert(TraceSeries series, string format)
    {
        var samples = series.Samples;
        var n = samples.Count;
        var t = new long[n];
        var cores = new double[n];
        var memory = new double[n];
        var provisionedCores = new double[n];
        var provisionedMemory = new double[n];
        var cpuOnly = samples.All(s => s.CpuAllocated is null && s.Cpu is null);
        for (var i = 0; i < n; i++)
        {
            var s = samples[i];
            t[i] = s.UnixSeconds;
            if (cpuOnly)
            {
                cores[i] = s.CpuUtilisation is { } u ? u.Value * NominalCores : double.NaN;
                provisionedCores[i] = NominalCores;
                memory[i] = double.NaN;
                provisionedMemory[i] = double.NaN;
            }
            else
            {
                cores[i] = s.Cpu?.Value ?? double.NaN;
                provisionedCores[i] = s.CpuAllocated?.Value ?? (i > 0 ? provisionedCores[i - 1] : NominalCores);
                memory[i] = s.Memory is { } m ? m.Mebibytes : double.NaN;
                provisionedMemory[i] = s.MemoryAllocated is { } a ? a.Mebibytes : (i > 0 ? provisionedMemory[i - 1] : double.NaN);
            }
        }
        // Put steps in time order (stable) and drop repeated times, so the series strictly increases.
        var byTime = Enumerable.Range(0, n).OrderBy(i => t[i]).ToArray();
        var keep = new List<int>(n);
        foreach (var i in byTime)
            if (keep.Count == 0 || t[i] > t[keep[^1]]) keep.Add(i);
        if (keep.Count != n || keep.Where((index, position) => index != position).Any())
        {
            t = [.. keep.Select(i => t[i])];
            cores = [.. keep.Select(i => cores[i])];
            memory = [.. keep.Select(i => memory[i])];
            provisionedCores = [.. keep.Select(i => provisionedCores[i])];
            provisionedMemory = [.. keep.Select(i => provisionedMemory[i])];
        }
        return new ReplaySeries(series.Vm, series.Name, format, t, cores, memory, provisionedCores, provisionedMemory);
    }
}
