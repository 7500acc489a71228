using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Cronos;

namespace Vmorph.Policies;

/// <summary>
/// Every policy known: the built-in ones shipped with vmorph, then the user's files in order (a policy with the name
/// of an earlier one replaces it). Built from YAML; every error in every file is reported together, naming the file,
/// the policy and the field: <c>policies.yaml: policy 'night': cooldown: '5x' is not a duration (...)</c>.
/// </summary>
public sealed partial class PolicyCatalog
{
    /// <summary>The name of the default policy.</summary>
    public const string DefaultPolicy = "vmorph";

    private static readonly string[] BuiltInFiles = ["vmorph-lean", "vmorph", "vmorph-safe", "conservative", "office-hours"];

    private PolicyCatalog(IReadOnlyList<Policy> policies) => Policies = policies;

    /// <summary>The policies, in definition order.</summary>
    public IReadOnlyList<Policy> Policies { get; }

    /// <summary>The built-in policy files as (source, YAML).</summary>
    public static IReadOnlyList<(string Source, string Yaml)> BuiltInDocuments()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return [.. BuiltInFiles.Select(name =>
        {
            using var stream = assembly.GetManifestResourceStream($"Vmorph.Policies.BuiltIn.{name}.yaml")
                ?? throw new InvalidOperationException($"the built-in policy {name}.yaml is missing from the build");
            using var reader = new StreamReader(stream);
            return ($"built-in {name}.yaml", reader.ReadToEnd());
        })];
    }

    /// <summary>The built-in catalog.</summary>
    public static PolicyCatalog BuiltIn { get; } = Build(BuiltInDocuments()).Value;

    /// <summary>A policy by name, or null.</summary>
    public Policy? Find(string name) => Policies.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// The policy governing a VM: the most specific match (an exact name beats a pattern, a pattern beats labels alone,
    /// labels beat a match-all), the later definition on a tie; null if none matches.
    /// </summary>
    public Policy? For(string vmName, string vmId, IReadOnlyDictionary<string, string> labels)
    {
        Policy? best = null;
        var bestScore = 0;
        foreach (var policy in Policies)
        {
            var score = policy.Match.Specificity(vmName, vmId, labels);
            if (score > 0 && score >= bestScore)
            {
                best = policy;
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>Builds a catalog from YAML documents, each with the name of where it came from.</summary>
    public static Result<PolicyCatalog> Build(IEnumerable<(string Source, string Yaml)> documents)
    {
        var errors = new List<string>();
        var policies = new List<Policy>();
        foreach (var (source, yaml) in documents)
        {
            var specs = PolicyYaml.Read(source, yaml, errors);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < specs.Count; i++)
            {
                var spec = specs[i];
                var where = $"{source}: policy '{spec.Name ?? "#" + (i + 1).ToString(CultureInfo.InvariantCulture)}'";
                if (spec.Name is not null && !seen.Add(spec.Name))
                {
                    errors.Add($"{where}: defined twice in the same file");
                    continue;
                }
                var policy = Validate(spec, source, where, errors);
                if (policy is null) continue;
                policies.RemoveAll(p => p.Name == policy.Name);
                policies.Add(policy);
            }
        }
        if (errors.Count > 0) return Result<PolicyCatalog>.Fail(errors);
        if (policies.Count == 0) return Result<PolicyCatalog>.Fail("no policies defined");
        return Result<PolicyCatalog>.Ok(new PolicyCatalog(policies));
    }

    /// <summary>Validates one policy; adds every problem to <paramref name="errors"/> and returns null if there was any.</summary>
    public static Policy? Validate(PolicySpec spec, string source, string where, List<string> errors)
    {
        var before = errors.Count;
        void Error(string field, string message) => errors.Add($"{where}: {field}: {message}");

        if (spec.Name is null) errors.Add($"{where}: name is missing");
        else if (!NamePattern().IsMatch(spec.Name)) Error("name", $"'{spec.Name}' must be lower-case letters, digits and dashes");

        var zone = Zone(spec.TimeZone, "time-zone", TimeZoneInfo.Utc, Error);

        var names = spec.Match?.Names ?? [];
        foreach (var n in names)
            if (string.IsNullOrWhiteSpace(n)) Error("match.names", "a name pattern is empty");
        var labels = spec.Match?.Labels ?? new Dictionary<string, string>();

        var risk = RiskLevel.Unset;
        if (spec.Risk is not null && !RiskDefaults.Names.TryGetValue(spec.Risk, out risk))
            Error("risk", $"'{spec.Risk}' is not a risk level (write lean, balanced or safe)");
        var level = RiskDefaults.For(risk);

        // Triggers.
        ScheduledSettings? scheduled = null;
        if (spec.Triggers?.Scheduled is { } s && Enabled(s.Enabled, "triggers.scheduled.enabled", Error))
        {
            var entries = new List<ScheduleEntry>();
            var list = s.Schedules ?? [];
            if (list.Count == 0) Error("triggers.scheduled.schedules", "list one or more schedules (cron and a profile), or set enabled: false");
            for (var i = 0; i < list.Count; i++)
            {
                var e = list[i];
                var field = $"triggers.scheduled.schedules[{i + 1}]";
                var cron = Cron(e.Cron, field + ".cron", Error);
                var entryZone = Zone(e.TimeZone, field + ".time-zone", zone, Error);
                double? cores = null, memory = null;
                if (e.Cpu is not null)
                {
                    if (ValueParsers.TryNumber(e.Cpu, out var c) && c > 0 && c <= ValueParsers.MaxCores) cores = c;
                    else Error(field + ".cpu", $"'{e.Cpu}' is not a positive number of cores (at most {ValueParsers.MaxCores})");
                }
                if (e.Memory is not null)
                {
                    if (ValueParsers.TrySizeMiB(e.Memory, out var m) && m > 0) memory = m;
                    else Error(field + ".memory", $"'{e.Memory}' is not a memory size up to 1 PiB (write 512MiB, 2GiB)");
                }
                var restore = e.Restore is not null && Bool(e.Restore, field + ".restore", Error);
                if (!restore && cores is null && memory is null && e.Cpu is null && e.Memory is null)
                    Error(field, "a schedule needs cpu, memory, or restore: true");
                if (restore && (e.Cpu is not null || e.Memory is not null))
                    Error(field, "restore: true hands the VM back to the other triggers; it takes no cpu or memory");
                if (cron is not null)
                    entries.Add(new ScheduleEntry(e.Name ?? $"schedule {i + 1}", cron, e.Cron!, entryZone, cores, memory, restore));
            }
            scheduled = new ScheduledSettings(entries);
        }

        DemandSettings? demand = null;
        if (spec.Triggers?.ResourceDemand is { } d && Enabled(d.Enabled, "triggers.resource-demand.enabled", Error))
        {
            const string f = "triggers.resource-demand.";
            demand = new DemandSettings(
                Share(d.CpuPercentile, f + "cpu-percentile", level?.CpuPercentile ?? 0.99, Error, positive: true),
                Duration(d.HalfLife, f + "half-life", TimeSpan.FromDays(2), Error, positive: true),
                Share(d.Headroom, f + "headroom", 0.05, Error),
                Share(d.Hysteresis, f + "hysteresis", level?.Hysteresis ?? 0.20, Error),
                Duration(d.ShrinkAfter, f + "shrink-after", level?.ShrinkAfter ?? TimeSpan.FromHours(2), Error),
                Share(d.Saturation, f + "saturation", 0.95, Error, positive: true),
                Duration(d.PeakWindow, f + "peak-window", TimeSpan.FromDays(7), Error, positive: true),
                Share(d.MemoryHeadroom, f + "memory-headroom", 0.10, Error),
                Duration(d.MemoryWindow, f + "memory-window", TimeSpan.FromDays(7), Error, positive: true),
                Share(d.Floor, f + "floor", level?.Floor ?? 0, Error),
                Share(d.Wake, f + "wake", 0, Error),
                d.GrowWindow is null ? null : Duration(d.GrowWindow, f + "grow-window", TimeSpan.FromDays(1), Error, positive: true),
                d.GrowHeadroom is null ? null : Share(d.GrowHeadroom, f + "grow-headroom", 0.05, Error));
            if (demand.PeakWindow > TimeSpan.FromDays(14)) Error(f + "peak-window", "at most 14d (a profile keeps 14 daily peaks)");
            if (demand.GrowWindow > demand.PeakWindow) Error(f + "grow-window", $"at most the peak window ({d.PeakWindow ?? "7d"}): the VM grows at most to that window's peak");
            if (demand.MemoryWindow > TimeSpan.FromDays(14)) Error(f + "memory-window", "at most 14d (a profile keeps 14 daily peaks)");
        }

        WorkloadSettings? workload = null;
        if (spec.Triggers?.WorkloadDetection is { } w && Enabled(w.Enabled, "triggers.workload-detection.enabled", Error))
        {
            const string f = "triggers.workload-detection.";
            var windows = 3;
            if (w.Windows is not null && !(int.TryParse(w.Windows, NumberStyles.Integer, CultureInfo.InvariantCulture, out windows) && windows >= 1))
                Error(f + "windows", $"'{w.Windows}' is not a whole number of windows, 1 or more");
            workload = new WorkloadSettings(windows, Duration(w.Window, f + "window", TimeSpan.FromHours(1), Error, positive: true), Share(w.MinConfidence, f + "min-confidence", 0.5, Error));
        }

        PredictiveSettings? predictive = null;
        if (spec.Triggers?.Predictive is { } p && Enabled(p.Enabled, "triggers.predictive.enabled", Error))
        {
            const string f = "triggers.predictive.";
            var model = ForecastModel.Auto;
            if (p.Model is not null)
            {
                model = p.Model switch
                {
                    "auto" => ForecastModel.Auto,
                    "seasonal" => ForecastModel.Seasonal,
                    "fasttree" => ForecastModel.FastTree,
                    "recent-peak" => ForecastModel.RecentPeak,
                    "conformal" => ForecastModel.Conformal,
                    _ => ForecastModel.Auto,
                };
                if (p.Model is not ("auto" or "seasonal" or "fasttree" or "recent-peak" or "conformal"))
                    Error(f + "model", $"'{p.Model}' is not one of auto, seasonal, fasttree, recent-peak, conformal");
            }
            predictive = new PredictiveSettings(
                Duration(p.Horizon, f + "horizon", TimeSpan.FromHours(1), Error, positive: true),
                Share(p.Quantile, f + "quantile", level?.Quantile ?? 0.99, Error, positive: true),
                model,
                Duration(p.BacktestHalfLife, f + "backtest-half-life", TimeSpan.FromDays(3), Error, positive: true),
                Duration(p.RecentFloor, f + "recent-floor", level?.RecentFloor ?? TimeSpan.FromHours(1), Error),
                Share(p.Headroom, f + "headroom", 0.05, Error));
            if (predictive.Horizon > TimeSpan.FromDays(1)) Error(f + "horizon", "at most 1d");
        }

        // Bounds.
        double minCores = 0, maxCores = double.PositiveInfinity, minMemory = 0, maxMemory = double.PositiveInfinity;
        if (spec.Bounds?.Cpu is { } cpu)
        {
            if (cpu.Min is not null && !(ValueParsers.TryNumber(cpu.Min, out minCores) && minCores >= 0 && minCores <= ValueParsers.MaxCores)) Error("bounds.cpu.min", $"'{cpu.Min}' is not a number of cores (at most {ValueParsers.MaxCores})");
            if (cpu.Max is not null && !(ValueParsers.TryNumber(cpu.Max, out maxCores) && maxCores > 0 && maxCores <= ValueParsers.MaxCores)) Error("bounds.cpu.max", $"'{cpu.Max}' is not a positive number of cores (at most {ValueParsers.MaxCores})");
            if (minCores > maxCores) Error("bounds.cpu", string.Create(CultureInfo.InvariantCulture, $"min ({minCores}) exceeds max ({maxCores})"));
        }
        if (spec.Bounds?.Memory is { } mem)
        {
            if (mem.Min is not null && !ValueParsers.TrySizeMiB(mem.Min, out minMemory)) Error("bounds.memory.min", $"'{mem.Min}' is not a memory size up to 1 PiB (write 512MiB, 2GiB)");
            if (mem.Max is not null && !(ValueParsers.TrySizeMiB(mem.Max, out maxMemory) && maxMemory > 0)) Error("bounds.memory.max", $"'{mem.Max}' is not a memory size up to 1 PiB (write 512MiB, 2GiB)");
            if (minMemory > maxMemory) Error("bounds.memory", $"min ({mem.Min}) exceeds max ({mem.Max})");
        }

        // The gate.
        var cooldown = Duration(spec.Cooldown, "cooldown", TimeSpan.Zero, Error);
        var maxPerDay = int.MaxValue;
        if (spec.MaxMorphsPerDay is not null && !(int.TryParse(spec.MaxMorphsPerDay, NumberStyles.Integer, CultureInfo.InvariantCulture, out maxPerDay) && maxPerDay >= 1))
        {
            Error("max-morphs-per-day", $"'{spec.MaxMorphsPerDay}' is not a whole number of morphs, 1 or more");
            maxPerDay = int.MaxValue; // so the reserve is not judged against a value that was never given
        }
        var reserve = 0;
        if (spec.ReserveForGrowth is not null && !(int.TryParse(spec.ReserveForGrowth, NumberStyles.Integer, CultureInfo.InvariantCulture, out reserve) && reserve >= 0))
            Error("reserve-for-growth", $"'{spec.ReserveForGrowth}' is not a whole number of morphs, 0 or more");
        else if (reserve >= maxPerDay)
            Error("reserve-for-growth", $"{reserve} leaves no morph for shrinking: it must be less than max-morphs-per-day ({maxPerDay})");
        var maintenance = new List<MaintenanceWindow>();
        var windowsSpec = spec.MaintenanceWindows ?? [];
        for (var i = 0; i < windowsSpec.Count; i++)
        {
            var mw = windowsSpec[i];
            var field = $"maintenance-windows[{i + 1}]";
            var cron = Cron(mw.Cron, field + ".cron", Error);
            var duration = Duration(mw.Duration, field + ".duration", TimeSpan.Zero, Error, positive: true);
            if (mw.Duration is null) Error(field + ".duration", "is missing: how long the window stays open (2h)");
            var windowZone = Zone(mw.TimeZone, field + ".time-zone", zone, Error);
            if (cron is not null && mw.Duration is not null) maintenance.Add(new MaintenanceWindow(cron, mw.Cron!, duration, windowZone));
        }
        var approval = spec.RequireApproval is not null && Bool(spec.RequireApproval, "require-approval", Error);
        var guard = new GuardWindows(GuardWindow(spec.Guard?.Baseline, "guard.baseline", Error), GuardWindow(spec.Guard?.Observe, "guard.observe", Error),
            spec.Guard?.Confirm is null || Bool(spec.Guard.Confirm, "guard.confirm", Error));

        if (errors.Count > before) return null;
        return new Policy
        {
            Name = spec.Name!,
            Description = spec.Description ?? "",
            Source = source,
            Match = new PolicyMatch(names, labels),
            TimeZone = zone,
            Risk = risk,
            Scheduled = scheduled,
            Demand = demand,
            Workload = workload,
            Predictive = predictive,
            Bounds = new ResourceBounds(minCores, maxCores, minMemory, maxMemory),
            Cooldown = cooldown,
            MaxMorphsPerDay = maxPerDay,
            ReserveForGrowth = reserve,
            MaintenanceWindows = maintenance,
            RequireApproval = approval,
            Guard = guard,
        };
    }

    private static TimeSpan? GuardWindow(string? text, string field, Action<string, string> error)
    {
        if (text is null) return null;
        if (!ValueParsers.TryDuration(text, out var value))
            error(field, $"'{text}' is not a duration (write 30s, 5m, 2h, 1d or 1h30m)");
        else if (value < GuardWindows.Shortest)
            error(field, $"'{text}' is shorter than {ValueParsers.Format(GuardWindows.Shortest)}: the guard samples every 2 s and needs 10 samples in each window");
        else if (value > GuardWindows.Longest)
            error(field, $"'{text}' is longer than {ValueParsers.Format(GuardWindows.Longest)}: a morph holds its VM for both windows");
        else
            return value;
        return null;
    }

    private static bool Enabled(string? text, string field, Action<string, string> error) => text is null || Bool(text, field, error);

    private static bool Bool(string text, string field, Action<string, string> error)
    {
        if (text is "true" or "yes" or "on") return true;
        if (text is "false" or "no" or "off") return false;
        error(field, $"'{text}' is not true or false");
        return false;
    }

    private static TimeSpan Duration(string? text, string field, TimeSpan fallback, Action<string, string> error, bool positive = false)
    {
        if (text is null) return fallback;
        if (!ValueParsers.TryDuration(text, out var value))
        {
            error(field, $"'{text}' is not a duration (write 30s, 5m, 2h, 1d or 1h30m)");
            return fallback;
        }
        if (positive && value <= TimeSpan.Zero)
        {
            error(field, $"'{text}' must be longer than zero");
            return fallback;
        }
        return value;
    }

    private static double Share(string? text, string field, double fallback, Action<string, string> error, bool positive = false)
    {
        if (text is null) return fallback;
        if (!ValueParsers.TryShare(text, out var value) || (positive && value <= 0))
        {
            error(field, $"'{text}' is not a share {(positive ? "above 0 and up to 1" : "from 0 to 1")} (write 0.95 or 95%)");
            return fallback;
        }
        return value;
    }

    private static TimeZoneInfo Zone(string? text, string field, TimeZoneInfo fallback, Action<string, string> error)
    {
        if (text is null) return fallback;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(text);
        }
        // A name that reaches a directory or an unreadable file of the zone database ("Europe/") fails as a
        // SecurityException or an I/O error: the same answer as a name that is not there.
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException
                                      or System.Security.SecurityException or UnauthorizedAccessException or IOException)
        {
            error(field, $"'{text}' is not a known time zone (use an IANA name such as Europe/Amsterdam, or UTC)");
            return fallback;
        }
    }

    private static CronExpression? Cron(string? text, string field, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            error(field, "is missing: a cron expression such as '0 22 * * *'");
            return null;
        }
        var format = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            return CronExpression.Parse(text, format);
        }
        catch (CronFormatException e)
        {
            error(field, $"'{text}' is not a cron expression: {e.Message}");
            return null;
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();
}
