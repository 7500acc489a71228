using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Vmorph.Identity;
using Vmorph.Import;
using Vmorph.Storage.Sqlite;
using Vmorph.Profiles;
using Vmorph.Sources;
using Vmorph.Traces;

namespace Vmorph.Benchmarks;

/// <summary>
/// Where an import's time goes, stage by stage, on one thread: gunzip only, gunzip + parse (the trace reader), and
/// reader + fold. Run: <c>dotnet run -c Release --project bench/Vmorph.Benchmarks -- import-breakdown ../shared/traces/bitbrains-rnd</c>.
/// </summary>
public static class ImportBreakdown
{
    public static void Run(string path, TextWriter output)
    {
        var reader = new TraceReader();
        var files = reader.Expand([path]);
        Time(output, "gunzip to memory", () =>
        {
            long bytes = 0;
            foreach (var file in files)
            {
                using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
                bytes += Drain(gzip);
            }
            return $"{bytes / 1e6:0} MB";
        });
        Time(output, "read (gunzip + parse)", () =>
        {
            long rows = 0;
            foreach (var file in files) rows += reader.Read(file, new TraceReadOptions(), CancellationToken.None).Rows;
            return $"{rows:N0} rows";
        });
        Time(output, "read + fold", () =>
        {
            var profiles = new Dictionary<VmId, PersonalityProfile>();
            long samples = 0;
            foreach (var file in files)
            {
                foreach (var series in reader.Read(file, new TraceReadOptions(), CancellationToken.None).Series)
                {
                    if (!profiles.TryGetValue(series.Vm, out var profile)) profiles[series.Vm] = profile = new PersonalityProfile(series.Vm, series.Name, "bench");
                    foreach (var s in series.Samples) profile.Fold(s);
                    samples += series.Samples.Count;
                }
            }
            return $"{samples:N0} samples into {profiles.Count} profiles";
        });
        var database = Path.Combine(Path.GetTempPath(), $"vmorph-breakdown-{Environment.ProcessId}.db");
        try
        {
            Time(output, "whole import (to SQLite)", () =>
            {
                using var store = SqliteFleetStore.Open(database, TimeProvider.System);
                var summary = new TraceImporter(reader, store, TimeProvider.System)
                    .ImportAsync([path], new TraceReadOptions(), null, CancellationToken.None).GetAwaiter().GetResult();
                return $"{summary.Files} files, {summary.Vms} VMs";
            });
        }
        finally
        {
            foreach (var f in Directory.EnumerateFiles(Path.GetTempPath(), Path.GetFileName(database) + "*")) File.Delete(f);
        }
    }

    private static long Drain(Stream stream)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = stream.Read(buffer)) > 0) total += n;
        return total;
    }

    private static void Time(TextWriter output, string stage, Func<string> work)
    {
        var stopwatch = Stopwatch.StartNew();
        var what = work();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stage,-24} {stopwatch.Elapsed.TotalSeconds,6:0.000} s  ({what})"));
    }
}
