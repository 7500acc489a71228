using System.Globalization;
using Vmorph.Simulation.Scoring;

namespace Vmorph.Simulation.Output;

/// <summary>One policy on the frontier plot.</summary>
/// <param name="Policy">Its name, the point's label.</param>
/// <param name="Kind">What it is (<see cref="PolicyInfo.Kind"/>).</param>
/// <param name="Cores">Mean CPU allocated per VM-step, cores (the y-axis).</param>
/// <param name="ShortSteps">Share of steps short of CPU, 0 to 1 (the left panel's x-axis).</param>
/// <param name="Unserved">Share of CPU demand not served, 0 to 1 (the right panel's x-axis).</param>
public sealed record FrontierPoint(string Policy, string Kind, double Cores, double ShortSteps, double Unserved);

/// <summary>
/// What the frontier plot shows: every policy of a replay as a point of mean CPU allocated against shortfall, once
/// against the share of short steps and once against the share of demand unserved. Shares are drawn on a logarithmic
/// axis, since they span four orders of magnitude; a share of zero (the oracle) sits at <see cref="ZeroAt"/>, where
/// the axis is labelled 0.
/// </summary>
/// <param name="Header">What was replayed.</param>
/// <param name="Points">One point per policy, in table order.</param>
public sealed record FrontierPlotModel(string Header, IReadOnlyList<FrontierPoint> Points)
{
    /// <summary>Where a share of zero is drawn: one decade below the smallest non-zero share, at most 0.001 %.</summary>
    public double ZeroAt
    {
        get
        {
            var smallest = Points.SelectMany(p => new[] { p.ShortSteps, p.Unserved }).Where(v => v > 0).DefaultIfEmpty(1e-4).Min();
            return Math.Min(1e-5, Math.Pow(10, Math.Floor(Math.Log10(smallest)) - 1));
        }
    }

    /// <summary>The label of a decade tick of a share axis: <c>0.01 %</c>, <c>1 %</c>.</summary>
    public static string ShareLabel(double share) =>
        (share * 100).ToString(share * 100 >= 1 ? "0" : "0.#####", CultureInfo.InvariantCulture) + " %";

    /// <summary>The model of a replay's report: its policies and scores, in table order.</summary>
    public static FrontierPlotModel From(IReadOnlyList<PolicyInfo> policies, IReadOnlyList<PolicyScore> scores, string header) =>
        new(header, [.. policies.Zip(scores).Select(p => new FrontierPoint(p.First.Name, p.First.Kind, p.Second.MeanCpuAllocated, p.Second.CpuShortfallShare, p.Second.CpuUnservedShare))]);
}
