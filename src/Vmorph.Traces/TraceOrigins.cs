namespace Vmorph.Traces;

/// <summary>
/// Where on the clock the traces without absolute timestamps are placed. These instants are conventions of this
/// project, not facts from the traces (except where a trace documents its start), and every file read with one says so
/// in its <see cref="Sources.TraceFile.Notes"/>. They are fixed so that the same file always gives the same samples.
/// </summary>
public static class TraceOrigins
{
    /// <summary>Azure Public Dataset V1 as sampled by DataCenterSim: rows are steps of 300 s with no date; step 0 is placed here.</summary>
    public static readonly DateTimeOffset AzureV1 = new(2017, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Alibaba cluster-trace-v2018: <c>time_stamp</c> counts seconds from an undisclosed start; 0 is placed here.</summary>
    public static readonly DateTimeOffset Alibaba2018 = new(2018, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Google clusterdata-2011 started in May 2011; day 1 of the GCD "VMs" is placed on this day.</summary>
    public static readonly DateTimeOffset Google2011 = new(2011, 5, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Azure Public Dataset V2 (2019): its aggregate's <c>timestamp</c> counts seconds from an undisclosed start; 0 is placed here.</summary>
    public static readonly DateTimeOffset AzureV2 = new(2019, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Google clusterdata-2019 covers May 2019; step 0 of its aggregate is placed at the start of that month.</summary>
    public static readonly DateTimeOffset Google2019 = new(2019, 5, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The sampling interval of every trace here that has steps instead of timestamps.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(300);

    /// <summary>The instant of step <paramref name="step"/> after <paramref name="origin"/>.</summary>
    public static DateTimeOffset AtStep(DateTimeOffset origin, long step) => origin.AddSeconds(step * Step.TotalSeconds);
}
