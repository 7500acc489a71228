using System.Globalization;
using Vmorph.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vmorph.Policies;

/// <summary>
/// Reads policy files into <see cref="PolicySpec"/>s, walking the YAML tree by hand so that every unknown key and every
/// value of the wrong shape is reported (with its line), not just the first.
/// </summary>
internal static class PolicyYaml
{
    public static List<PolicySpec> Read(string source, string yaml, List<string> errors)
    {
        // Bounded first (size, depth, aliases, duplicate keys), so that loading the tree cannot run away.
        var problems = SafeYaml.Check(source, yaml);
        if (problems.Count > 0)
        {
            errors.AddRange(problems);
            return [];
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            errors.Add(SafeYaml.Describe(source, e));
            return [];
        }
        var result = new List<PolicySpec>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root)
            {
                errors.Add($"{source}: the file must be a mapping with a 'policies' list");
                continue;
            }
            var file = new Node(source, "", root, errors);
            file.Only("policies");
            var list = file.Sequence("policies");
            if (list is null)
            {
                errors.Add($"{source}: 'policies' is missing: list one or more policies");
                continue;
            }
            var index = 0;
            foreach (var item in list)
            {
                index++;
                if (item is not YamlMappingNode map)
                {
                    errors.Add($"{source}:{item.Start.Line}: policy #{index}: must be a mapping");
                    continue;
                }
                var name = Scalar(map, "name");
                var where = $"{source}: policy '{name ?? "#" + index.ToString(CultureInfo.InvariantCulture)}'";
                result.Add(ReadPolicy(new Node(where, "", map, errors)));
            }
        }
        return result;
    }

    private static PolicySpec ReadPolicy(Node p)
    {
        p.Only("name", "description", "match", "time-zone", "risk", "triggers", "bounds", "cooldown", "max-morphs-per-day", "reserve-for-growth", "maintenance-windows", "require-approval", "guard");
        MatchSpec? match = null;
        if (p.Map("match") is { } m)
        {
            m.Only("names", "labels");
            match = new MatchSpec(m.StringList("names"), m.StringMap("labels"));
        }
        TriggersSpec? triggers = null;
        if (p.Map("triggers") is { } t)
        {
            t.Only("scheduled", "resource-demand", "workload-detection", "predictive");
            ScheduledSpec? scheduled = null;
            if (t.Map("scheduled") is { } s)
            {
                s.Only("enabled", "schedules");
                var schedules = new List<ScheduleSpec>();
                foreach (var (entry, _) in s.Maps("schedules"))
                {
                    entry.Only("name", "cron", "time-zone", "cpu", "memory", "restore");
                    schedules.Add(new ScheduleSpec(entry.Text("name"), entry.Text("cron"), entry.Text("time-zone"), entry.Text("cpu"), entry.Text("memory"), entry.Text("restore")));
                }
                scheduled = new ScheduledSpec(s.Text("enabled"), schedules);
            }
            DemandSpec? demand = null;
            if (t.Map("resource-demand") is { } d)
            {
                d.Only("enabled", "cpu-percentile", "half-life", "headroom", "hysteresis", "shrink-after", "saturation", "peak-window", "memory-headroom", "memory-window", "floor", "wake", "grow-window", "grow-headroom");
                demand = new DemandSpec
                {
                    Enabled = d.Text("enabled"),
                    CpuPercentile = d.Text("cpu-percentile"),
                    HalfLife = d.Text("half-life"),
                    Headroom = d.Text("headroom"),
                    Hysteresis = d.Text("hysteresis"),
                    ShrinkAfter = d.Text("shrink-after"),
                    Saturation = d.Text("saturation"),
                    PeakWindow = d.Text("peak-window"),
                    MemoryHeadroom = d.Text("memory-headroom"),
                    MemoryWindow = d.Text("memory-window"),
                    Floor = d.Text("floor"),
                    Wake = d.Text("wake"),
                    GrowWindow = d.Text("grow-window"),
                    GrowHeadroom = d.Text("grow-headroom"),
                };
            }
            WorkloadSpec? workload = null;
            if (t.Map("workload-detection") is { } w)
            {
                w.Only("enabled", "windows", "window", "min-confidence");
                workload = new WorkloadSpec(w.Text("enabled"), w.Text("windows"), w.Text("window"), w.Text("min-confidence"));
            }
            PredictiveSpec? predictive = null;
            if (t.Map("predictive") is { } f)
            {
                f.Only("enabled", "horizon", "quantile", "model", "backtest-half-life", "recent-floor", "headroom");
                predictive = new PredictiveSpec
                {
                    Enabled = f.Text("enabled"),
                    Horizon = f.Text("horizon"),
                    Quantile = f.Text("quantile"),
                    Model = f.Text("model"),
                    BacktestHalfLife = f.Text("backtest-half-life"),
                    RecentFloor = f.Text("recent-floor"),
                    Headroom = f.Text("headroom"),
                };
            }
            triggers = new TriggersSpec { Scheduled = scheduled, ResourceDemand = demand, WorkloadDetection = workload, Predictive = predictive };
        }
        BoundsSpec? bounds = null;
        if (p.Map("bounds") is { } b)
        {
            b.Only("cpu", "memory");
            RangeSpec? Range(string key)
            {
                if (b.Map(key) is not { } r) return null;
                r.Only("min", "max");
                return new RangeSpec(r.Text("min"), r.Text("max"));
            }
            bounds = new BoundsSpec(Range("cpu"), Range("memory"));
        }
        GuardSpec? guard = null;
        if (p.Map("guard") is { } g)
        {
            g.Only("baseline", "observe", "confirm");
            guard = new GuardSpec(g.Text("baseline"), g.Text("observe"), g.Text("confirm"));
        }
        var windows = p.Maps("maintenance-windows").Select(x =>
        {
            x.Node.Only("cron", "duration", "time-zone");
            return new WindowSpec(x.Node.Text("cron"), x.Node.Text("duration"), x.Node.Text("time-zone"));
        }).ToList();
        return new PolicySpec
        {
            Name = p.Text("name"),
            Description = p.Text("description"),
            Match = match,
            TimeZone = p.Text("time-zone"),
            Risk = p.Text("risk"),
            Triggers = triggers,
            Bounds = bounds,
            Cooldown = p.Text("cooldown"),
            MaxMorphsPerDay = p.Text("max-morphs-per-day"),
            ReserveForGrowth = p.Text("reserve-for-growth"),
            MaintenanceWindows = windows,
            RequireApproval = p.Text("require-approval"),
            Guard = guard,
        };
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode s ? s.Value : null;

    /// <summary>A mapping being read, with the path used in messages.</summary>
    private sealed class Node(string where, string path, YamlMappingNode map, List<string> errors)
    {
        public YamlMappingNode Mapping => map;

        public void Only(params string[] keys)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? key.ToString();
                if (!keys.Contains(name, StringComparer.Ordinal))
                    errors.Add($"{where}: {Path(name)}: unknown key (line {key.Start.Line}); expected one of: {string.Join(", ", keys)}");
            }
        }

        public string? Text(string key)
        {
            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var value)) return null;
            if (value is YamlScalarNode s) return s.Value;
            errors.Add($"{where}: {Path(key)}: must be a single value (line {value.Start.Line})");
            return null;
        }

        public Node? Map(string key)
        {
            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var value)) return null;
            if (value is YamlMappingNode m) return new Node(where, Path(key), m, errors);
            if (value is YamlScalarNode { Value: null or "" or "~" }) return null;
            errors.Add($"{where}: {Path(key)}: must be a mapping (line {value.Start.Line})");
            return null;
        }

        public YamlSequenceNode? Sequence(string key)
        {
            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var value)) return null;
            if (value is YamlSequenceNode s) return s;
            errors.Add($"{where}: {Path(key)}: must be a list (line {value.Start.Line})");
            return null;
        }

        public IEnumerable<(Node Node, int Index)> Maps(string key)
        {
            var list = Sequence(key);
            if (list is null) yield break;
            var i = 0;
            foreach (var item in list)
            {
                i++;
                if (item is YamlMappingNode m) yield return (new Node(where, $"{Path(key)}[{i}]", m, errors), i);
                else errors.Add($"{where}: {Path(key)}[{i}]: must be a mapping (line {item.Start.Line})");
            }
        }

        public List<string>? StringList(string key)
        {
            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var value)) return null;
            if (value is YamlScalarNode single && single.Value is { } one) return [one];
            if (value is not YamlSequenceNode list)
            {
                errors.Add($"{where}: {Path(key)}: must be a list of names (line {value.Start.Line})");
                return null;
            }
            var result = new List<string>();
            foreach (var item in list)
            {
                if (item is YamlScalarNode { Value: { } text }) result.Add(text);
                else errors.Add($"{where}: {Path(key)}: every entry must be a name (line {item.Start.Line})");
            }
            return result;
        }

        public Dictionary<string, string>? StringMap(string key)
        {
            var inner = Map(key);
            if (inner is null) return null;
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in inner.Mapping.Children)
            {
                if (k is YamlScalarNode { Value: { } name } && v is YamlScalarNode { Value: { } text }) result[name] = text;
                else errors.Add($"{where}: {Path(key)}: labels must be name: value pairs (line {k.Start.Line})");
            }
            return result;
        }

        private string Path(string key) => path.Length == 0 ? key : path + "." + key;
    }
}
