using Vmorph.TargetProfiles;

namespace Vmorph.Views;

/// <summary>The target profiles as JSON.</summary>
public sealed record TargetsJson(IReadOnlyList<TargetJson> Targets);

/// <summary>One target profile as JSON: its sizes as the expressions it was written with.</summary>
public sealed record TargetJson(string Name, string Description, string Source, IReadOnlyDictionary<string, string> Resources, IReadOnlyDictionary<string, double> ExpectedTraits)
{
    /// <summary>From a target profile.</summary>
    public static TargetJson From(TargetProfile target) => new(target.Name, target.Description, target.Source, ResourceMap(target), target.ExpectedTraits);

    /// <summary>The resources a target sets, in one line (<c>vcpus=max(2, p95(cpu)), memory=4GiB</c>).</summary>
    public static string DescribeResources(TargetProfile target)
    {
        var map = ResourceMap(target);
        return map.Count == 0 ? "-" : string.Join(", ", map.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    private static SortedDictionary<string, string> ResourceMap(TargetProfile target)
    {
        var r = target.Resources;
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (r.Vcpus is { } v) map["vcpus"] = v.Text;
        if (r.MaxVcpus is { } mv) map["max-vcpus"] = mv.Text;
        if (r.Memory is { } m) map["memory"] = m.Text;
        if (r.MaxMemory is { } mm) map["max-memory"] = mm.Text;
        if (r.CpuQuota is { } q) map["cpu-quota"] = q.Value?.Text ?? "unlimited";
        if (r.Disk?.Size is { } d) map["disk"] = d.Text;
        return map;
    }
}
