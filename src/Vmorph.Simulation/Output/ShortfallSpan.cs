namespace Vmorph.Simulation.Output;

/// <summary>
/// A run of consecutive steps at which the allocation in force was below the usage (the VM was short of the resource).
/// </summary>
/// <param name="FirstStep">Index of the first short step.</param>
/// <param name="LastStep">Index of the last short step (inclusive).</param>
/// <param name="FromUnixSeconds">Start of the first short step, seconds since the Unix epoch.</param>
/// <param name="UntilUnixSeconds">End of the last short step: the start of the next step (or one typical step later at the end).</param>
public readonly record struct ShortfallSpan(int FirstStep, int LastStep, long FromUnixSeconds, long UntilUnixSeconds)
{
    /// <summary>How many steps the span covers.</summary>
    public int Steps => LastStep - FirstStep + 1;
}
