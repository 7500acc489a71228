using Vmorph.Identity;
using Vmorph.Profiles;
using Vmorph.Store;

namespace Vmorph.Collection;

/// <summary>
/// The sink of <c>vmorph collect</c>: folds each cycle into the profiles the <see cref="ProfileBook"/> keeps and saves
/// them all in one transaction, checked against the versions they were loaded at.
/// </summary>
internal sealed class StoreObservationSink(IFleetStore store, byte[] anonymisationKey, string uri, string source, TimeSpan? evidenceHalfLife = null) : IObservationSink
{
    private readonly ProfileBook book = new(store);

    public async Task<IReadOnlyList<VmCycleReport>> DeliverAsync(IReadOnlyList<VmObservations> batch, CancellationToken cancellationToken)
    {
        var byId = batch.ToDictionary(o => o.Domain.Id);
        var reports = new Dictionary<VmId, VmCycleReport>();
        await book.SaveAsync(
            [.. byId.Keys],
            id => new PersonalityProfile(id, byId[id].Domain.Name, source, byId[id].Domain.BaseImage),
            (id, profile, window) =>
            {
                if (evidenceHalfLife is { } halfLife) profile.EvidenceHalfLife = halfLife;
                var (changed, report) = ObservationFolder.Fold(byId[id], profile, window, anonymisationKey, uri);
                reports[id] = report;
                return changed;
            },
            cancellationToken);
        return [.. batch.Select(o => reports[o.Domain.Id])];
    }
}
