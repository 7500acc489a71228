using System.Collections.Immutable;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Units;

namespace Vmorph.Traits;

/// <summary>
/// Turns a <see cref="PersonalityProfile"/> into normalised features (pure). The built-in features are listed in
/// <see cref="BuiltInFeatures"/> with their meaning; a catalog adds one <c>app.GROUP</c> feature per application group and
/// one <c>port.GROUP</c> feature per port group. Volumes are mapped to [0, 1] on a logarithmic scale between a floor and a
/// ceiling, so a VM at ten times the floor scores the same whatever the units.
/// </summary>
public static class FeatureExtractor
{
    /// <summary>The built-in features and what each measures.</summary>
    public static ImmutableSortedDictionary<string, string> BuiltInFeatures { get; } = new Dictionary<string, string>
    {
        ["cpu.utilisation.p50"] = "median CPU use as a share of the vCPUs allocated",
        ["cpu.utilisation.p95"] = "95th percentile of CPU use as a share of the allocation",
        ["cpu.utilisation.p99"] = "99th percentile of CPU use as a share of the allocation",
        ["cpu.idle-share"] = "share of time with CPU use under 5 % of the allocation",
        ["cpu.burstiness"] = "1 − median/p99 of CPU use: 0 steady, near 1 for rare spikes",
        ["cpu.daily-periodicity"] = "share of the hour-of-week CPU variance explained by the hour of the day",
        ["cpu.weekly-periodicity"] = "share of the hour-of-week CPU variance explained by the day of the week",
        ["cpu.office-hours"] = "how much busier CPU is on weekdays 08–18 UTC than on average (0 none, 1 twice as busy or more)",
        ["cpu.size"] = "vCPUs allocated, log scale from 1 to 64",
        ["memory.utilisation.p50"] = "median memory use as a share of the memory allocated",
        ["memory.utilisation.p95"] = "95th percentile of memory use as a share of the allocation",
        ["memory.burstiness"] = "1 − median/p99 of memory use",
        ["memory.size"] = "memory allocated, log scale from 512 MiB to 256 GiB",
        ["disk.volume"] = "mean disk read + write throughput, log scale from 10 KiB/s to 100 MiB/s",
        ["disk.write-share"] = "share of disk bytes that are writes",
        ["disk.read-share"] = "share of disk bytes that are reads",
        ["network.volume"] = "mean network receive + transmit throughput, log scale from 10 KiB/s to 100 MiB/s",
        ["network.transmit-share"] = "share of network bytes sent (outbound)",
        ["network.receive-share"] = "share of network bytes received (inbound)",
        ["network.fan-out"] = "most distinct peers connected to at once, fading with recency, log scale from 1 to 1000 (in-guest)",
        ["network.fan-in"] = "distinct peers connecting in, log scale from 1 to 1000 (in-guest)",
        ["data.volume"] = "bytes in the scanned paths, log scale from 1 GiB to 10 TiB (in-guest)",
        ["data.source-code"] = "share of scanned files that are source code, or a source tree's .git history (in-guest; by files: a source tree is many small files, which one database beside it hides by bytes)",
        ["data.database"] = "share of scanned bytes that are database files: by extension, by header (SQLite) or in a PostgreSQL or MySQL data directory (in-guest)",
        ["data.web"] = "share of scanned bytes in web roots (an index page under www/, html/, htdocs/ or public_html/) (in-guest)",
        ["data.sensitive"] = "share of scanned files that matched a sensitivity pattern (in-guest)",
        ["user.interactive"] = "recency-weighted share of snapshots in which some application had a person at a terminal (in-guest)",
    }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    /// <summary>Extracts the features of a profile, given the catalog's application and port groups.</summary>
    public static FeatureVector Extract(PersonalityProfile profile, ArchetypeCatalog catalog)
    {
        var f = ImmutableSortedDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        void Set(string name, double? value)
        {
            if (value is { } v && double.IsFinite(v)) f[name] = Math.Clamp(v, 0, 1);
        }

        var perf = profile.Performance;
        var cpu = perf[Metric.CpuUtilisation];
        if (cpu is not null && !cpu.Histogram.IsEmpty)
        {
            Set("cpu.utilisation.p50", cpu.Percentile(0.50));
            Set("cpu.utilisation.p95", cpu.Percentile(0.95));
            Set("cpu.utilisation.p99", cpu.Percentile(0.99));
            Set("cpu.idle-share", cpu.Histogram.ShareBelow(0.05));
            Set("cpu.burstiness", Burstiness(cpu));
        }
        var cpuShape = cpu?.Seasonal;
        if (cpuShape is not null)
        {
            Set("cpu.daily-periodicity", cpuShape.CycleStrength(24));
            Set("cpu.weekly-periodicity", cpuShape.CycleStrength(SeasonalSummary.HoursPerWeek));
            Set("cpu.office-hours", OfficeHoursBias(cpuShape));
        }
        var memory = perf[Metric.MemoryUtilisation];
        if (memory is not null && !memory.Histogram.IsEmpty)
        {
            Set("memory.utilisation.p50", memory.Percentile(0.50));
            Set("memory.utilisation.p95", memory.Percentile(0.95));
            Set("memory.burstiness", Burstiness(memory));
        }

        var configuration = profile.ConfigurationHistory.Current?.Configuration;
        if (configuration?.Vcpus is { } vcpus) Set("cpu.size", LogScale(vcpus, 1, 64));
        if (configuration?.Memory is { } mem) Set("memory.size", LogScale(mem.Bytes, 512 * MemorySize.MiB, 256 * MemorySize.GiB));

        var read = perf[Metric.DiskRead]?.Mean;
        var write = perf[Metric.DiskWrite]?.Mean;
        if (read is not null || write is not null)
        {
            var total = (read ?? 0) + (write ?? 0);
            Set("disk.volume", LogScale(total, 10 * MemorySize.KiB, 100 * MemorySize.MiB));
            if (total > 0 && read is not null && write is not null)
            {
                Set("disk.write-share", write / total);
                Set("disk.read-share", read / total);
            }
        }
        var rx = perf[Metric.NetworkReceive]?.Mean;
        var tx = perf[Metric.NetworkTransmit]?.Mean;
        if (rx is not null || tx is not null)
        {
            var total = (rx ?? 0) + (tx ?? 0);
            Set("network.volume", LogScale(total, 10 * MemorySize.KiB, 100 * MemorySize.MiB));
            if (total > 0 && rx is not null && tx is not null)
            {
                Set("network.transmit-share", tx / total);
                Set("network.receive-share", rx / total);
            }
        }

        var network = profile.Network;
        if (network.IsObserved)
        {
            Set("network.fan-out", LogScale(Math.Max(1, network.RecentFanOut), 1, 1000));
            Set("network.fan-in", LogScale(Math.Max(1, network.FanIn), 1, 1000));
            foreach (var (group, ports) in catalog.PortGroups)
                Set("port." + group, ports.Select(network.ListeningShare).DefaultIfEmpty(0).Max());
        }

        var apps = profile.Applications;
        if (apps.IsObserved)
        {
            foreach (var (group, executables) in catalog.ApplicationGroups)
                Set("app." + group, executables.Select(apps.RecentFrequency).DefaultIfEmpty(0).Max());
            Set("user.interactive", apps.Applications.Values.Select(apps.RecentInteractiveShare).DefaultIfEmpty(0).Max());
        }

        var data = profile.DataFootprint;
        if (data.IsObserved)
        {
            Set("data.volume", LogScale(data.TotalBytes, MemorySize.GiB, 10 * MemorySize.TiB));
            // By files, not bytes: a checkout of a large project is a sliver of the bytes beside one database or data
            // set, and most of the files.
            Set("data.source-code", data.FileShare("source-code"));
            Set("data.database", data.ByteShare("database"));
            Set("data.web", data.ByteShare("web"));
            Set("data.sensitive", data.SensitiveShare);
        }
        return new FeatureVector(f.ToImmutable());
    }

    /// <summary>Maps a positive volume to [0, 1] on a log scale between <paramref name="floor"/> and <paramref name="ceiling"/>.</summary>
    public static double LogScale(double value, double floor, double ceiling) =>
        value <= floor ? 0 : value >= ceiling ? 1 : Math.Log(value / floor) / Math.Log(ceiling / floor);

    private static double? Burstiness(MetricSummary summary)
    {
        var p50 = summary.Percentile(0.50);
        var p99 = summary.Percentile(0.99);
        return p99 is > 0 ? 1 - p50 / p99 : 0;
    }

    private static double? OfficeHoursBias(SeasonalSummary shape)
    {
        var office = new List<double>();
        var all = new List<double>();
        for (var h = 0; h < SeasonalSummary.HoursPerWeek; h++)
        {
            if (shape.Mean(h) is not { } mean) continue;
            all.Add(mean);
            var day = h / 24;
            var hour = h % 24;
            if (day < 5 && hour is >= 8 and < 18) office.Add(mean);
        }
        if (office.Count == 0 || all.Count < 48) return null;
        var overall = all.Average();
        return overall <= 0 ? 0 : office.Average() / overall - 1;
    }
}
