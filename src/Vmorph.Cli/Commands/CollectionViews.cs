using System.Globalization;
using Vmorph.Collection;
using Vmorph.Cli.Views;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.Cli.Commands;

/// <summary>One VM of <c>vmorph collect --output json</c>.</summary>
public sealed record CollectedVmJson(
    string Id, string Name, string State, int? ConfigurationVersion, NewVersionJson? NewConfigurationVersion,
    CollectedMetricsJson? Metrics, string? NoRates, CollectedGuestJson? Guest, string? GuestViewMissing, IReadOnlyList<string> Problems, double GuestMilliseconds);

/// <summary>A configuration version added by a cycle.</summary>
public sealed record NewVersionJson(int Version, string Cause, IReadOnlyList<ConfigurationChangeJson> Changes);

/// <summary>The metric sample of a cycle, in base units (cores, bytes, bytes per second).</summary>
public sealed record CollectedMetricsJson(double? CpuCores, double? CpuUtilisation, double? CpuAllocated, double? MemoryBytes, double? MemoryUtilisation,
    double? MemoryAllocatedBytes, double? DiskReadBytesPerSecond, double? DiskWriteBytesPerSecond, double? NetworkReceiveBytesPerSecond, double? NetworkTransmitBytesPerSecond, double? CpuDemandCores);

/// <summary>What a cycle saw inside a guest.</summary>
public sealed record CollectedGuestJson(GuestSystem? System, int Processes, IReadOnlyList<string> Applications, IReadOnlyList<string> Listening, int ConnectedSockets,
    IReadOnlyList<InterfaceCounters> Interfaces, int Sessions, FootprintScan? Footprint);

/// <summary>One cycle of <c>vmorph collect --output json</c>.</summary>
public sealed record CollectJson(string Uri, DateTimeOffset At, double ElapsedMilliseconds, double CpuMilliseconds, double SampleWaitMilliseconds, int MissedIntervals, IReadOnlyList<CollectedVmJson> Vms);

/// <summary>Renders collection cycles for people and as JSON.</summary>
internal static class CollectionViews
{
    /// <summary>JSON on one line: one object per cycle for streams (JSON lines).</summary>
    public static System.Text.Json.JsonSerializerOptions JsonLines { get; } = new(JsonViews.Options) { WriteIndented = false };

    public static CollectJson Json(CycleReport r) => new(r.Uri, r.At, Math.Round(r.Elapsed.TotalMilliseconds, 1), Math.Round(r.CpuTime.TotalMilliseconds, 1),
        Math.Round(r.SampleWait.TotalMilliseconds, 1), r.MissedIntervals, [.. InNaturalOrder(r.Vms).Select(Json)]);

    /// <summary>The VMs of a cycle in natural order of name (lab-2 before lab-10), then of id.</summary>
    public static IEnumerable<VmCycleReport> InNaturalOrder(IEnumerable<VmCycleReport> vms) =>
        vms.OrderBy(v => v.Name, NaturalStringComparer.Instance).ThenBy(v => v.Id.Value, NaturalStringComparer.Instance);

    private static CollectedVmJson Json(VmCycleReport v) => new(
        v.Id.Value, v.Name, State(v.State), v.ConfigurationVersion,
        v.NewVersion is { } n ? new NewVersionJson(n.Version, n.Cause, [.. n.Changes.Select(ConfigurationChangeJson.From)]) : null,
        v.Sample is { } s ? new CollectedMetricsJson(s.Cpu?.Value, s.CpuUtilisation?.Value, s.CpuAllocated?.Value, s.Memory?.Bytes, s.MemoryUtilisation?.Value,
            s.MemoryAllocated?.Bytes, s.DiskRead?.BytesPerSecond, s.DiskWrite?.BytesPerSecond, s.NetworkReceive?.BytesPerSecond, s.NetworkTransmit?.BytesPerSecond, s.CpuDemand?.Value) : null,
        v.NoRates,
        v.Inventory is { } i ? Guest(i) : null,
        v.GuestMissing, v.Problems, Math.Round(v.GuestElapsed.TotalMilliseconds, 1));

    public static CollectedGuestJson Guest(InventorySnapshot i) => new(
        i.System, i.Processes.Count, Applications(i), Listening(i), i.Sockets.Count(s => !s.Listening), i.Interfaces, i.Sessions.Count, i.Footprint);

    public static IReadOnlyList<string> Applications(InventorySnapshot i) =>
        [.. i.Processes.GroupBy(p => p.Executable, StringComparer.Ordinal).OrderByDescending(g => g.Sum(p => p.CpuSeconds)).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key)];

    public static IReadOnlyList<string> Listening(InventorySnapshot i) =>
        [.. i.Sockets.Where(s => s.Listening).Select(s => $"{s.Protocol}/{s.LocalPort}" + (s.Process is null ? "" : $" ({s.Process})")).Distinct().Order(StringComparer.Ordinal)];

    public static string State(DomainState state) => state switch
    {
        DomainState.ShutOff => "shut off",
        DomainState.ShuttingDown => "shutting down",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>The lines that describe one VM of a cycle.</summary>
    public static IEnumerable<string> Text(VmCycleReport v)
    {
        yield return $"{v.Name}  {v.Id}  {State(v.State)}";
        if (v.NewVersion is { } n)
            yield return $"  configuration v{n.Version} ({n.Cause}): " + Configuration(n.Configuration)
                + (n.Version > 1 ? "\n    " + string.Join("\n    ", n.Changes.Select(ConfigurationValues.Describe)) : "");
        else if (v.ConfigurationVersion is { } version)
            yield return $"  configuration v{version}, unchanged";
        if (v.Sample is { } s)
            yield return "  metrics: " + Metrics(s) + (v.NoRates is { } why ? $" (no rates: {why})" : "");
        else if (v.NoRates is { } none)
            yield return $"  metrics: none ({none})";
        if (v.Inventory is { } i)
        {
            var apps = Applications(i);
            yield return $"  applications: {apps.Count} ({string.Join(", ", apps.Take(10))}{(apps.Count > 10 ? ", ..." : "")})";
            var listening = Listening(i);
            yield return "  listening: " + (listening.Count == 0 ? "nothing" : string.Join(", ", listening))
                + $"; {i.Sockets.Count(x => !x.Listening)} connected socket(s)";
            yield return "  interfaces: " + string.Join(", ", i.Interfaces.Select(x => $"{x.Name} rx {Bytes(x.ReceivedBytes)}/{x.ReceivedPackets} pkts tx {Bytes(x.TransmittedBytes)}/{x.TransmittedPackets} pkts"));
            yield return "  data footprint: " + (i.Footprint is { } f ? Footprint(f) : "not scanned this cycle");
            if (i.System is { } sys)
                yield return string.Create(CultureInfo.InvariantCulture, $"  guest: {sys.Hostname}, kernel {sys.Kernel}, {sys.Cpus} CPU(s), MemTotal {sys.MemoryTotal}, up {sys.UptimeSeconds:0} s; {i.Processes.Count} processes, {i.Sessions.Count} session(s); read in {Durations.Describe(v.GuestElapsed)}");
        }
        if (v.GuestMissing is { } missing) yield return "  guest view missing: " + missing;
        foreach (var problem in v.Problems) yield return "  problem: " + problem;
    }

    private static string Configuration(VmConfiguration c) =>
        $"{c.Vcpus}/{c.MaxVcpus} vCPUs, {c.Memory} of {c.MaxMemory}"
        + (c.CpuQuotaMicroseconds is { } q ? $", CPU quota {q}/{c.CpuPeriodMicroseconds} us" : "")
        + (c.Disks.Count > 0 ? ", disks " + string.Join(" ", c.Disks.Select(d => $"{d.Key} {d.Value.Capacity?.ToString() ?? "?"}")) : "")
        + (c.Nics.Count > 0 ? ", NICs " + string.Join(" ", c.Nics.Select(n => $"{n.Key} ({n.Value.Type}/{n.Value.Model})")) : "");

    private static string Metrics(MetricSample s)
    {
        var parts = new List<string>();
        if (s.Cpu is { } cpu) parts.Add($"cpu {cpu}" + (s.CpuUtilisation is { } u ? $" ({u} of {s.CpuAllocated?.Value} vCPU)" : "") + (s.CpuDemand is { } wanted ? $", wanted {wanted}" : ""));
        if (s.Memory is { } m) parts.Add($"memory {m}" + (s.MemoryUtilisation is { } mu ? $" ({mu})" : ""));
        if (s.DiskRead is { } dr) parts.Add($"disk read {dr} write {s.DiskWrite}");
        if (s.NetworkReceive is { } rx) parts.Add($"net rx {rx} tx {s.NetworkTransmit}");
        return string.Join(", ", parts);
    }

    /// <summary>A byte count for people: <c>1.5 MiB</c>.</summary>
    public static string Bytes(long bytes) => new MemorySize(Math.Max(0, bytes)).ToString();

    public static string Footprint(FootprintScan f)
    {
        var files = f.Categories.Values.Sum(c => c.Files);
        var bytes = f.Categories.Values.Sum(c => c.Bytes);
        return $"{files} files, {new MemorySize(bytes)} in {string.Join(" ", f.Paths)}: "
            + string.Join(", ", f.Categories.OrderByDescending(c => c.Value.Bytes).Select(c => $"{c.Key} {c.Value.Files}"))
            + "; recency " + string.Join(" ", f.AccessRecency.Select(r => $"{r.Key}:{r.Value}"))
            + "; sensitive " + (f.Sensitive.Count == 0 ? "none" : string.Join(", ", f.Sensitive.Select(s => $"{s.Key} {s.Value}")))
            + (f.Truncated ? " (truncated)" : "");
    }
}
