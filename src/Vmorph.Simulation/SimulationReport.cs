using Vmorph.Simulation.Scoring;

namespace Vmorph.Simulation;

/// <summary>A policy as reported: its name, what it is, and where it comes from.</summary>
/// <param name="Name">The name in the table.</param>
/// <param name="Kind"><c>vmorph</c>, <c>baseline</c>, <c>reference</c> or <c>oracle</c>.</param>
/// <param name="Description">What it does.</param>
/// <param name="Source">The citation or file.</param>
public sealed record PolicyInfo(string Name, string Kind, string Description, string Source)
{
    /// <summary>The kind of a baseline (a recommender operators use today).</summary>
    public const string Baseline = "baseline";

    /// <summary>The kind of a reference rule ("peak of the last W, times h").</summary>
    public const string Reference = "reference";

    /// <summary>The kind of a vmorph policy.</summary>
    public const string Vmorph = "vmorph";

    /// <summary>The kind of the offline optimum.</summary>
    public const string OracleKind = "oracle";
}

/// <summary>What a simulation found.</summary>
/// <param name="Policies">The policies compared, in table order.</param>
/// <param name="Scores">Their scores, in the same order.</param>
/// <param name="Vms">VMs scored.</param>
/// <param name="VmDays">VM-days scored.</param>
/// <param name="Files">Trace files read (replayed and training).</param>
/// <param name="MissingRows">Rows the traces mark as missing (dropped and counted).</param>
/// <param name="EvaluatedFrom">The earliest scored step.</param>
/// <param name="EvaluatedUntil">The latest scored step.</param>
/// <param name="Models">What was trained, per policy (FastTree rows and trees, peers learned).</param>
/// <param name="Notes">What a reader should know (synthetic timestamps, CPU-only traces, ...).</param>
/// <param name="DecisionRows">Rows written to the decisions file.</param>
/// <param name="Plots">Plot files written.</param>
/// <param name="Seconds">Wall time per phase.</param>
public sealed record SimulationReport(
    IReadOnlyList<PolicyInfo> Policies,
    IReadOnlyList<PolicyScore> Scores,
    int Vms,
    double VmDays,
    int Files,
    long MissingRows,
    DateTimeOffset? EvaluatedFrom,
    DateTimeOffset? EvaluatedUntil,
    IReadOnlyDictionary<string, string> Models,
    IReadOnlyList<string> Notes,
    long DecisionRows,
    IReadOnlyList<string> Plots,
    IReadOnlyDictionary<string, double> Seconds)
{
    /// <summary>The frontier plot written (allocation against shortfall, every policy), or null.</summary>
    public string? FrontierPlot { get; init; }
}

/// <summary>Progress of a simulation, for people watching.</summary>
/// <param name="Phase"><c>reading</c>, <c>training</c>, <c>replaying</c>, <c>writing</c>.</param>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in all.</param>
/// <param name="Item">What is being worked on.</param>
public readonly record struct SimulationProgress(string Phase, int Done, int Total, string Item);
