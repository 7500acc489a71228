using System.Collections.Immutable;

namespace Vmorph.Guard;

/// <summary>What the guard watches.</summary>
public enum GuardSignal
{
    /// <summary>CPU utilisation near 1.</summary>
    CpuSaturation,
    /// <summary>Major faults and swap-in, or memory utilisation near 1 without those counters.</summary>
    MemoryPressure,
    /// <summary>Time per disk operation.</summary>
    DiskLatency,
    /// <summary>Disk throughput falling away.</summary>
    DiskThroughput,
    /// <summary>The health probe's success rate.</summary>
    HealthProbe,
}

/// <summary>How a signal came out.</summary>
public enum SignalOutcome
{
    /// <summary>Significantly worse, by at least the minimum effect.</summary>
    Degraded,
    /// <summary>Not significantly worse, or worse by less than the minimum effect.</summary>
    Unchanged,
    /// <summary>Too few samples in a window to judge.</summary>
    InsufficientData,
}

/// <summary>The guard's decision.</summary>
public enum GuardDecision
{
    /// <summary>Keep the morph (commit).</summary>
    Keep,
    /// <summary>Roll the morph back.</summary>
    RollBack,
}

/// <summary>One signal's judgement with its numbers.</summary>
/// <param name="Signal">The signal.</param>
/// <param name="Name">Its name in output (<c>cpu.saturation</c>).</param>
/// <param name="Outcome">Degraded, unchanged, or not judged.</param>
/// <param name="Test">The test used (<c>mann-whitney-u</c>, <c>fisher-exact</c>, <c>binomial</c>), or null when not judged.</param>
/// <param name="BaselineCount">Samples (or probes) before the morph.</param>
/// <param name="ObservedCount">Samples (or probes) after.</param>
/// <param name="Baseline">The baseline's location (median, mean or success rate; see <paramref name="Reason"/>).</param>
/// <param name="Observed">The observation's location.</param>
/// <param name="Statistic">The test statistic (U, or failures observed).</param>
/// <param name="PValue">The one-sided p-value.</param>
/// <param name="Alpha">The level it was tested at (the policy's level over the signals judged).</param>
/// <param name="Effect">The change in the direction that hurts (absolute or relative, as the signal defines it).</param>
/// <param name="MinimumEffect">The least effect that counts.</param>
/// <param name="Reason">The judgement in one line, with the numbers.</param>
public sealed record SignalJudgement(
    GuardSignal Signal,
    string Name,
    SignalOutcome Outcome,
    string? Test,
    int BaselineCount,
    int ObservedCount,
    double? Baseline,
    double? Observed,
    double? Statistic,
    double? PValue,
    double? Alpha,
    double? Effect,
    double MinimumEffect,
    string Reason);

/// <summary>The guard's verdict on a morph: keep or roll back, every signal's numbers, and the reason in one line.</summary>
/// <param name="Decision">Keep or roll back.</param>
/// <param name="Signals">Every signal, judged or not.</param>
/// <param name="Inconclusive">Whether no signal had enough data to be judged.</param>
/// <param name="Reason">One line: <c>roll back: cpu.saturation degraded (median 0.31 -> 0.97, ...)</c>.</param>
public sealed record GuardVerdict(GuardDecision Decision, ImmutableArray<SignalJudgement> Signals, bool Inconclusive, string Reason)
{
    /// <summary>
    /// Whether this is a roll back on measured signals only (CPU, memory, disk), which a workload's phase can also cause
    /// and a second window can therefore confirm; a failing health probe is not confirmed, nor a verdict without a
    /// degraded signal (one that cannot judge, or a configuration that did not settle).
    /// </summary>
    public bool MayBeAPhase() =>
        Decision == GuardDecision.RollBack && Signals.Any(s => s.Outcome == SignalOutcome.Degraded) &&
        Signals.All(s => s.Outcome != SignalOutcome.Degraded || s.Signal != GuardSignal.HealthProbe);
}
