namespace Vmorph.Simulation.Output;

/// <summary>One policy's panel of an <see cref="AllocationPlotModel"/>: its allocation against the VM's usage.</summary>
/// <param name="Policy">The policy.</param>
/// <param name="Title">The panel's title: the policy, its score for this VM and resource, and a note when its allocation goes off the top.</param>
/// <param name="Allocation">The allocation in force at each step, in the model's unit.</param>
/// <param name="Shortfalls">Where the allocation was below the usage, in time order.</param>
/// <param name="Slack">Unused share of the allocation over the steps with usage, Σ max(0, alloc − use) / Σ alloc.</param>
/// <param name="ShortStepShare">Share of the steps with usage at which the usage exceeded the allocation.</param>
/// <param name="MaxAllocation">The highest allocation, in the model's unit.</param>
/// <param name="AboveScale">Whether some of the allocation lies above the y-axis (it is drawn clipped at the top).</param>
public sealed record PlotPanel(
    string Policy,
    string Title,
    IReadOnlyList<double> Allocation,
    IReadOnlyList<ShortfallSpan> Shortfalls,
    double Slack,
    double ShortStepShare,
    double MaxAllocation,
    bool AboveScale);
