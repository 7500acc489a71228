namespace Vmorph.Simulation.Output;

/// <summary>
/// What one plot file shows, decided before anything is drawn: one VM, one resource, one panel per policy stacked over
/// a shared time axis, and a y-axis from zero to a top set by the usage (never by an allocation).
/// </summary>
/// <param name="Vm">The VM id.</param>
/// <param name="Resource">The resource.</param>
/// <param name="Unit">The unit of every value (<c>cores</c>, <c>GiB</c>).</param>
/// <param name="Header">A line naming the VM, the resource and the replay, shown above the first panel.</param>
/// <param name="UnixSeconds">Step start times, seconds since the Unix epoch.</param>
/// <param name="Usage">Usage per step in <paramref name="Unit"/>; NaN where the trace has no measurement.</param>
/// <param name="FromUnixSeconds">The left end of the time axis (the first step's start).</param>
/// <param name="UntilUnixSeconds">The right end of the time axis (the last step's end).</param>
/// <param name="YMin">The bottom of the y-axis: always 0.</param>
/// <param name="YMax">The top of the y-axis: the highest usage × <see cref="AllocationPlotModelBuilder.HeadroomFactor"/>.</param>
/// <param name="Ticks">The time axis's ticks, labelled in ISO 8601, UTC.</param>
/// <param name="Panels">One panel per policy, in the order chosen.</param>
public sealed record AllocationPlotModel(
    string Vm,
    PlotResource Resource,
    string Unit,
    string Header,
    IReadOnlyList<long> UnixSeconds,
    IReadOnlyList<double> Usage,
    long FromUnixSeconds,
    long UntilUnixSeconds,
    double YMin,
    double YMax,
    IReadOnlyList<PlotTick> Ticks,
    IReadOnlyList<PlotPanel> Panels)
{
    /// <summary>The label of the time axis.</summary>
    public const string TimeAxisLabel = "time (UTC)";

    /// <summary>The label of the y-axis, e.g. <c>CPU (cores)</c>.</summary>
    public string ValueAxisLabel => (Resource == PlotResource.Cpu ? "CPU" : "memory") + $" ({Unit})";
}
