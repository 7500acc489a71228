using System.Globalization;

namespace Vmorph.Triggers;

/// <summary>The seed's four triggers.</summary>
public enum TriggerKind
{
    /// <summary><c>ScheduledMorphing</c>: cron schedules.</summary>
    Scheduled,
    /// <summary><c>ResourceDemandBasedMorphing</c>: the demand recommender over the usage distribution.</summary>
    ResourceDemand,
    /// <summary><c>WorkloadDetectionBasedMorphing</c>: a stable change of top archetype.</summary>
    WorkloadDetection,
    /// <summary><c>PredictiveMorphing</c>: forecasts of demand.</summary>
    Predictive,
}

/// <summary>Names of <see cref="TriggerKind"/>s as they appear in policies, reasons and counters.</summary>
public static class TriggerKinds
{
    /// <summary>The dashed name (<c>resource-demand</c>).</summary>
    public static string Name(this TriggerKind kind) => kind switch
    {
        TriggerKind.Scheduled => "scheduled",
        TriggerKind.ResourceDemand => "resource-demand",
        TriggerKind.WorkloadDetection => "workload-detection",
        TriggerKind.Predictive => "predictive",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

/// <summary>
/// What a trigger wants: a target allocation (CPU and/or memory; null leaves a resource as it is), or a target
/// profile to morph to, with the reason in words. <see cref="Urgent"/> marks a reaction to a shortfall (saturated CPU,
/// memory pressure or an OOM), which the gate lets through the cooldown and outside maintenance windows.
/// </summary>
/// <param name="Trigger">Which trigger.</param>
/// <param name="At">When it was raised.</param>
/// <param name="Cores">Target CPU, cores.</param>
/// <param name="MemoryMiB">Target memory, MiB.</param>
/// <param name="TargetProfile">Target profile (workload detection, or a scheduled profile's name).</param>
/// <param name="Reason">Why, for people.</param>
/// <param name="Urgent">Whether it reacts to a shortfall.</param>
/// <param name="RequiresApproval">Whether a person must approve it before it is applied.</param>
public sealed record MorphIntent(TriggerKind Trigger, DateTimeOffset At, double? Cores, double? MemoryMiB, string? TargetProfile, string Reason, bool Urgent = false, bool RequiresApproval = false)
{
    /// <summary>The workload archetype detected (workload detection only).</summary>
    public string? Detected { get; init; }

    /// <summary>The detected archetype's score, 0 to 1 (workload detection only).</summary>
    public double? Confidence { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (Cores is { } c) parts.Add(string.Create(CultureInfo.InvariantCulture, $"cpu {c:0.##} cores"));
        if (MemoryMiB is { } m) parts.Add(string.Create(CultureInfo.InvariantCulture, $"memory {m:0} MiB"));
        if (TargetProfile is { } p) parts.Add($"profile {p}");
        return $"{Trigger.Name()}{(Urgent ? " (urgent)" : "")}: {string.Join(", ", parts)}: {Reason}";
    }
}
