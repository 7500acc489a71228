using Vmorph.Configuration;
using Vmorph.Observations;
using Vmorph.Profiles;

namespace Vmorph.Collection;

/// <summary>
/// What one collection cycle (or one configuration pass between cycles) saw of one VM: its domain as the hypervisor
/// describes it, the configuration-changing events it sent, the metric sample the counters gave, the intervals lost to
/// an outage, and the guest seen from inside (or why not). <see cref="ObservationFolder"/> folds it into the VM's
/// profile; the collector hands a cycle's worth to an <see cref="IObservationSink"/> (the store, or the VMs' grains).
/// </summary>
/// <param name="Domain">The domain now.</param>
/// <param name="At">When the cycle read it.</param>
/// <param name="Events">Descriptions of the hypervisor's events about it that may change its configuration.</param>
/// <param name="Sample">The metric sample over the interval, or null (the first reading, a restart, a gap).</param>
/// <param name="NoRates">Why there is no sample, when there is none.</param>
/// <param name="Missed">Collection intervals lost to an outage, recorded as missing.</param>
/// <param name="Snapshot">The in-guest view, or null.</param>
/// <param name="GuestMissing">Why the guest could not be seen, or null (seen, or not asked: a configuration pass).</param>
/// <param name="GuestProblems">Parts of the in-guest view that failed.</param>
/// <param name="GuestElapsed">How long the in-guest read took.</param>
public sealed record VmObservations(
    DomainDescription Domain,
    DateTimeOffset At,
    IReadOnlyList<string> Events,
    MetricSample? Sample = null,
    string? NoRates = null,
    int Missed = 0,
    InventorySnapshot? Snapshot = null,
    string? GuestMissing = null,
    IReadOnlyList<string>? GuestProblems = null,
    TimeSpan GuestElapsed = default);

/// <summary>Where a collector delivers what it saw: folded into the store (<c>vmorph collect</c>) or sent to each VM's grain (<c>vmorph serve</c>).</summary>
public interface IObservationSink
{
    /// <summary>Folds and saves one cycle's (or pass's) observations; one report per VM, in the same order.</summary>
    Task<IReadOnlyList<VmCycleReport>> DeliverAsync(IReadOnlyList<VmObservations> batch, CancellationToken cancellationToken);
}

/// <summary>
/// Folds a VM's <see cref="VmObservations"/> into its profile and raw window, the same way wherever the profile lives:
/// the configuration (a change becomes a new version whose cause is the hypervisor's event, or the periodic
/// comparison), the sample, the missing intervals, the in-guest view (identities anonymised with the store's key).
/// </summary>
public static class ObservationFolder
{
    /// <summary>Folds; returns whether anything worth saving changed, and the VM's report for the cycle.</summary>
    /// <param name="work">What was observed.</param>
    /// <param name="profile">The VM's profile.</param>
    /// <param name="window">The VM's raw window.</param>
    /// <param name="anonymisationKey">The key identities seen inside the guest are anonymised with.</param>
    /// <param name="uri">The collector's connection (named when intervals were lost).</param>
    /// <param name="foldConfiguration">
    /// False when the configuration is the one last folded into the profile's current version, unchanged since (the
    /// decide loop knows): folding it again would only note it seen again, which the loop does not keep.
    /// </param>
    public static (bool Changed, VmCycleReport Report) Fold(VmObservations work, PersonalityProfile profile, RecentSamples window, ReadOnlySpan<byte> anonymisationKey, string uri,
        bool foldConfiguration = true)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(window);
        var d = work.Domain;
        var changed = false;
        if (d.BaseImage.IsKnown && profile.BaseImage != d.BaseImage)
        {
            profile.BaseImage = d.BaseImage;
            changed = true;
        }
        var before = profile.ConfigurationHistory.Current;
        if (foldConfiguration) profile.Fold(new ConfigurationObservation(d.Id, work.At, Observed(d.Configuration, profile), Cause(before, work.Events)));
        var after = profile.ConfigurationHistory.Current;
        var newVersion = before?.Version == after?.Version ? null : after; // a version seen again is the same version
        changed |= newVersion is not null;

        if (work.Sample is { } sample)
        {
            profile.Fold(new MetricObservation(d.Id, sample));
            window.AddRange([sample]);
            changed = true;
        }
        for (var i = 0; i < work.Missed; i++)
        {
            profile.Fold(new MissingObservation(d.Id, work.At, $"connection to {uri} lost"));
            changed = true;
        }
        if (work.Snapshot is { } snapshot)
        {
            profile.Fold(new InventoryObservation(d.Id, snapshot), anonymisationKey);
            changed = true;
        }
        else if (work.GuestMissing is { } missing && profile.GuestViewMissing != missing)
        {
            profile.GuestViewMissing = missing;
            changed = true;
        }
        var report = new VmCycleReport(d.Id, d.Name, d.State, profile.ConfigurationHistory.Current?.Version, newVersion,
            work.Sample, work.NoRates, work.Snapshot, work.Snapshot is null ? work.GuestMissing : null,
            work.GuestProblems ?? [], work.GuestElapsed);
        return (changed, report);
    }

    /// <summary>
    /// The configuration the collector observed, with the guest settings (packages, services, kernel settings, SSH)
    /// of the VM's current version carried over: libvirt does not see them, only a morph that read or changed them
    /// does, so their absence from the hypervisor's view is not a change.
    /// </summary>
    private static VmConfiguration Observed(VmConfiguration hypervisorView, PersonalityProfile profile) =>
        hypervisorView.Guest.IsEmpty && profile.ConfigurationHistory.Current is { } current
            ? hypervisorView with { Guest = current.Configuration.Guest }
            : hypervisorView;

    private static string Cause(ConfigurationVersion? current, IReadOnlyList<string> events)
    {
        if (current is null) return "first seen by the collector";
        var mine = events.Distinct().ToList();
        if (mine.Count == 0) return "periodic comparison (libvirt sent no event for this change)";
        return "libvirt event: " + string.Join("; ", mine.Take(5)) + (mine.Count > 5 ? $"; and {mine.Count - 5} more" : "");
    }
}
