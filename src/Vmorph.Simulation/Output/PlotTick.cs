namespace Vmorph.Simulation.Output;

/// <summary>A labelled tick of a plot's time axis.</summary>
/// <param name="UnixSeconds">Where the tick is, seconds since the Unix epoch.</param>
/// <param name="Label">Its label: an ISO 8601 date (<c>2013-08-12</c>) at midnight UTC, else date and time (<c>2013-08-12 06:00</c>), both UTC.</param>
public readonly record struct PlotTick(long UnixSeconds, string Label);
