using System.Text.Json;
using Vmorph.Configuration;
using Vmorph.Cycles;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Store;
using Vmorph.Traits;

namespace Vmorph.Views;

/// <summary>A trait in JSON output.</summary>
public sealed record TraitJson(string Trait, TraitKind Kind, double Score, double Coverage, string Explanation, IReadOnlyList<ContributionJson> Contributions, IReadOnlyList<string> Missing)
{
    /// <summary>From a score.</summary>
    public static TraitJson From(TraitScore s) => new(
        s.Trait, s.Kind, Math.Round(s.Score, 4), Math.Round(s.Coverage, 4), s.Explain(),
        [.. s.Contributions.Select(ContributionJson.From)],
        s.Missing);
}

/// <summary>A feature's contribution in JSON output.</summary>
public sealed record ContributionJson(string Feature, double Value, double Weight, bool Inverted)
{
    /// <summary>From a contribution (the value rounded to four decimals).</summary>
    public static ContributionJson From(Contribution c) => new(c.Feature, Math.Round(c.Value, 4), c.Weight, c.Inverted);
}

/// <summary>
/// A VM's workload in JSON output (docs/TRAITS.md): <c>name</c> is the detected workload archetype, or <c>unknown</c>
/// when the best guess misses one of the archetypes' classification thresholds; <c>score</c> (the confidence),
/// <c>coverage</c> and <c>decidedBy</c> are the best guess's; <c>margin</c> is its lead over <c>runnerUp</c>.
/// </summary>
public sealed record WorkloadJson(string Name, string? BestGuess, double Score, double Coverage, string Reason)
{
    /// <summary>The second strongest workload archetype, or null.</summary>
    public string? RunnerUp { get; init; }

    /// <summary>The runner-up's score.</summary>
    public double RunnerUpScore { get; init; }

    /// <summary>The best guess's score minus the runner-up's.</summary>
    public double Margin { get; init; }

    /// <summary>The features that made the best guess's score, largest contribution first.</summary>
    public IReadOnlyList<ContributionJson> DecidedBy { get; init; } = [];

    /// <summary>From a classification.</summary>
    public static WorkloadJson From(WorkloadClassification c) => new(c.Name, c.BestGuess, Math.Round(c.Score, 4), Math.Round(c.Coverage, 4), c.Reason)
    {
        RunnerUp = c.RunnerUp,
        RunnerUpScore = Math.Round(c.RunnerUpScore, 4),
        Margin = Math.Round(c.Margin, 4),
        DecidedBy = [.. c.DecidedBy.Select(ContributionJson.From)],
    };
}

/// <summary>A VM in <c>vmorph fleet --output json</c>.</summary>
public sealed record FleetVmJson(string Id, string Name, string Source, long Samples, DateTimeOffset? LastSample, int ConfigurationVersions, WorkloadJson Workload, IReadOnlyList<TraitJson> Traits);

/// <summary><c>vmorph traits --output json</c>.</summary>
public sealed record TraitsJson(string Id, string Name, WorkloadJson Workload, IReadOnlyList<TraitJson> Traits);

/// <summary><c>vmorph fleet --output json</c>.</summary>
public sealed record FleetJson(string Store, int Count, IReadOnlyList<FleetVmJson> Vms);

/// <summary>One metric of <c>vmorph profile --output json</c>.</summary>
public sealed record MetricJson(
    string Unit, long Count, double? Mean, double Minimum, double Maximum, double Latest,
    double? P50, double? P90, double? P95, double? P99, double? CoefficientOfVariation,
    IReadOnlyList<PeakJson> DailyPeaks, SeasonalJson? Seasonal);

/// <summary>A daily peak.</summary>
public sealed record PeakJson(DateOnly Day, double Peak);

/// <summary>The hour-of-week summary of a metric.</summary>
public sealed record SeasonalJson(int HoursCovered, double? DailyStrength, double? WeeklyStrength, IReadOnlyList<double?> HourOfWeekMeans);

/// <summary>The performance part of a profile.</summary>
public sealed record PerformanceJson(long Samples, long MissingSamples, DateTimeOffset? First, DateTimeOffset? Last, double HalfLifeHours, IReadOnlyDictionary<string, MetricJson> Metrics);

/// <summary><c>vmorph profile --output json</c>.</summary>
public sealed record ProfileJson(
    string Id, string Name, string Source, string BaseImage, string? GuestViewMissing,
    PerformanceJson Performance,
    IReadOnlyList<ConfigurationVersionJson> ConfigurationHistory,
    ApplicationUsageStats Applications,
    NetworkTrafficProfile Network,
    DataFootprintAnalysis DataFootprint,
    UserBehaviorModel UserBehavior,
    IReadOnlyDictionary<string, double> Features,
    WorkloadJson Workload,
    IReadOnlyList<TraitJson> Traits,
    DominantCycleJson? DominantCycle);

/// <summary>The dominant cycle of a profile: its period as an ISO 8601 duration and its strength (0 to 1).</summary>
public sealed record DominantCycleJson(string Period, double Strength);

/// <summary>A configuration version in JSON output.</summary>
/// <remarks>Numeric configuration values (vCPUs, bytes, rates) are JSON numbers.</remarks>
public sealed record ConfigurationVersionJson(int Version, string ContentHash, DateTimeOffset ObservedAt, string Cause, IReadOnlyDictionary<string, object?> Configuration, IReadOnlyList<ConfigurationChangeJson> Changes);

/// <summary>Builds the JSON views.</summary>
public static class JsonViews
{
    /// <summary>
    /// The options every command writes JSON with: indented, and with '+', '&lt;', '&gt;', '&amp;' and quotes in strings
    /// left readable (the output is not embedded in HTML).
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(ProfileCodec.JsonOptions)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serialises a view.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>The fleet view.</summary>
    public static FleetVmJson Fleet(VmSummary vm, WeightedTraitVector traits, WorkloadClassification workload) =>
        new(vm.Id.Value, vm.Name, vm.Source, vm.Samples, vm.LastSample, vm.ConfigurationVersions, WorkloadJson.From(workload), [.. traits.Traits.Select(TraitJson.From)]);

    /// <summary>The whole-profile view.</summary>
    public static ProfileJson Profile(PersonalityProfile p, FeatureVector features, WeightedTraitVector traits, WorkloadClassification workload)
    {
        var perf = p.Performance;
        return new ProfileJson(
            p.Id.Value, p.Name, p.Source, p.BaseImage.Value, p.GuestViewMissing,
            new PerformanceJson(
                perf.Samples, perf.MissingSamples,
                perf.FirstUnixSeconds is { } f ? DateTimeOffset.FromUnixTimeSeconds(f) : null,
                perf.LastUnixSeconds is { } l ? DateTimeOffset.FromUnixTimeSeconds(l) : null,
                perf.HalfLife.TotalHours,
                perf.Measured.ToDictionary(m => m.Metric.Name(), Metric)),
            [.. p.ConfigurationHistory.Versions.Select(Version)],
            p.Applications, p.Network, p.DataFootprint, p.UserBehavior,
            features.Values.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 4)),
            WorkloadJson.From(workload),
            [.. traits.Traits.Select(TraitJson.From)],
            CycleDetector.Detect(perf.Cycles) is { } cycle ? new DominantCycleJson(cycle.IsoPeriod, Math.Round(cycle.Strength, 4)) : null);
    }

    /// <summary>A configuration version.</summary>
    public static ConfigurationVersionJson Version(ConfigurationVersion v) =>
        new(v.Version, v.ContentHash, v.ObservedAt, v.Cause, ConfigurationValues.Json(v.Configuration.Flatten()), [.. v.Changes.Select(ConfigurationChangeJson.From)]);

    private static MetricJson Metric(MetricSummary s) => new(
        s.Metric.Unit(), s.Count, s.Mean, s.Minimum, s.Maximum, s.Latest,
        s.Percentile(0.5), s.Percentile(0.9), s.Percentile(0.95), s.Percentile(0.99), s.CoefficientOfVariation,
        [.. s.Peaks.Values().Select(p => new PeakJson(DateOnly.FromDateTime(p.Day.UtcDateTime), p.Peak))],
        s.Seasonal is { } season
            ? new SeasonalJson(season.HoursCovered, season.CycleStrength(24), season.CycleStrength(SeasonalSummary.HoursPerWeek),
                [.. Enumerable.Range(0, SeasonalSummary.HoursPerWeek).Select(season.Mean)])
            : null);
}
