using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;

namespace Vmorph.Collection;

/// <summary>What one collection cycle saw of one VM.</summary>
/// <param name="Id">The VM.</param>
/// <param name="Name">Its domain name.</param>
/// <param name="State">Its state.</param>
/// <param name="ConfigurationVersion">Its configuration version after this cycle.</param>
/// <param name="NewVersion">The version this cycle added, with its diff and cause, or null when the configuration did not change.</param>
/// <param name="Sample">The metric sample folded, or null.</param>
/// <param name="NoRates">Why the sample has no rates (or there is no sample), or null.</param>
/// <param name="Inventory">What the guest showed from inside, or null.</param>
/// <param name="GuestMissing">Why the guest could not be seen from inside, or null.</param>
/// <param name="Problems">Problems that did not stop the cycle (a scan path that does not exist).</param>
/// <param name="GuestElapsed">Time the guest view took.</param>
public sealed record VmCycleReport(
    VmId Id,
    string Name,
    DomainState State,
    int? ConfigurationVersion,
    ConfigurationVersion? NewVersion,
    MetricSample? Sample,
    string? NoRates,
    InventorySnapshot? Inventory,
    string? GuestMissing,
    IReadOnlyList<string> Problems,
    TimeSpan GuestElapsed);

/// <summary>What one collection cycle did.</summary>
/// <param name="Uri">The connection.</param>
/// <param name="At">When it ended.</param>
/// <param name="Vms">Per VM.</param>
/// <param name="Elapsed">Wall time of the cycle, without <paramref name="SampleWait"/>.</param>
/// <param name="CpuTime">CPU time this process used during the cycle.</param>
/// <param name="SampleWait">Time spent waiting between two readings of counters, so that a first cycle has rates.</param>
/// <param name="MissedIntervals">Collection intervals lost to a connection outage before this cycle (recorded as missing).</param>
public sealed record CycleReport(string Uri, DateTimeOffset At, IReadOnlyList<VmCycleReport> Vms, TimeSpan Elapsed, TimeSpan CpuTime, TimeSpan SampleWait, int MissedIntervals);
