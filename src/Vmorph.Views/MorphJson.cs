using System.Globalization;
using Vmorph.Guard;
using Vmorph.Morphing;
using Vmorph.Planning;

namespace Vmorph.Views;

/// <summary>The result of <c>apply</c> / <c>rollback</c> as JSON.</summary>
public sealed record MorphJson(
    string? Morph, string Vm, string VmName, string Target, string Plan, string Result, string Message, string? Phase, int? CommittedVersion,
    GuardVerdict? Verdict, string? Discarded, MorphTimingsJson? Timings, IReadOnlyList<string> Notes)
{
    /// <summary>From an outcome.</summary>
    public static MorphJson From(MorphOutcome o, Plan plan) => new(
        o.Record?.MorphId, plan.Vm.Value, plan.VmName, plan.TargetProfile, plan.Id,
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(o.Result.ToString()), o.Message,
        o.Last is null ? null : System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(o.Last.State.Phase.ToString()),
        o.Record?.CommittedVersion, o.Record?.Verdict ?? o.Last?.State.Verdict, o.Record?.Discarded ?? o.Last?.State.Discarded,
        o.Timings is null ? null : MorphTimingsJson.From(o.Timings),
        o.Record?.Notes?.Split('\n') ?? []);

    /// <summary>Timings in one line for people.</summary>
    public static string DescribeTimings(MorphTimings t)
    {
        var parts = new List<string>();
        if (t.Snapshot is { } s) parts.Add($"snapshot {Seconds(s)}");
        if (t.Steps is { } a) parts.Add($"steps applied {Seconds(a)} after the start");
        if (t.Observation is { } o) parts.Add($"observed {Seconds(o)}");
        if (t.Rollback is { } r) parts.Add($"rollback {Seconds(r)}");
        parts.Add($"total {Seconds(t.Total)}");
        return "Timings: " + string.Join(", ", parts) + ".";
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";
}

/// <summary>Timings in seconds.</summary>
public sealed record MorphTimingsJson(double? SnapshotSeconds, double? StepsSeconds, double? ObservationSeconds, double? RollbackSeconds, double TotalSeconds)
{
    /// <summary>From timings.</summary>
    public static MorphTimingsJson From(MorphTimings t) => new(t.Snapshot?.TotalSeconds, t.Steps?.TotalSeconds, t.Observation?.TotalSeconds, t.Rollback?.TotalSeconds, t.Total.TotalSeconds);
}
