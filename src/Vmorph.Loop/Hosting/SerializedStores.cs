using Vmorph.Configuration;
using Vmorph.Guard;
using Vmorph.Import;
using Vmorph.Identity;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Profiles;
using Vmorph.Store;

namespace Vmorph.Loop.Hosting;

/// <summary>
/// The fleet store for many grains at once: the SQLite store holds one connection, which is not safe from several
/// threads, so every call waits its turn. (Its version checks still guard against other processes.)
/// </summary>
public sealed class SerializedFleetStore(IFleetStore inner) : IFleetStore
{
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <inheritdoc />
    public string Location => inner.Location;

    private async Task<T> Run<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await call();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<VmSummary>> ListAsync(CancellationToken cancellationToken) => Run(() => inner.ListAsync(cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<StoredProfile?> FindAsync(string idOrName, CancellationToken cancellationToken) => Run(() => inner.FindAsync(idOrName, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<VmId, StoredProfile>> LoadAsync(IEnumerable<VmId> ids, CancellationToken cancellationToken) => Run(() => inner.LoadAsync(ids, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<RecentSamples?> LoadRecentAsync(VmId id, CancellationToken cancellationToken) => Run(() => inner.LoadRecentAsync(id, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<ConfigurationHistory> LoadHistoryAsync(VmId id, CancellationToken cancellationToken) => Run(() => inner.LoadHistoryAsync(id, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<ImportedSpans> LoadSpansAsync(VmId id, CancellationToken cancellationToken) => Run(() => inner.LoadSpansAsync(id, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<ImportRecord?> FindImportAsync(string sha256, CancellationToken cancellationToken) => Run(() => inner.FindImportAsync(sha256, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task SaveAsync(IReadOnlyList<ProfileUpdate> updates, ImportRecord? import, CancellationToken cancellationToken) =>
        Run(async () => { await inner.SaveAsync(updates, import, cancellationToken); return true; }, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        inner.Dispose();
        gate.Dispose();
    }
}

/// <summary>The morph journal for many grains at once: one call at a time on its one connection.</summary>
public sealed class SerializedMorphJournal(IMorphJournal inner) : IMorphJournal
{
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <inheritdoc />
    public string Location => inner.Location;

    private async Task<T> Run<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await call();
        }
        finally
        {
            gate.Release();
        }
    }

    private Task Run(Func<Task> call, CancellationToken cancellationToken) => Run(async () => { await call(); return true; }, cancellationToken);

    /// <inheritdoc />
    public Task CreateAsync(MorphRecord morph, MorphJournalEntry first, CancellationToken cancellationToken) => Run(() => inner.CreateAsync(morph, first, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task AppendAsync(MorphJournalEntry entry, CancellationToken cancellationToken) => Run(() => inner.AppendAsync(entry, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<MorphRecord?> FindAsync(string morphId, CancellationToken cancellationToken) => Run(() => inner.FindAsync(morphId, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<MorphJournalEntry>> ReadAsync(string morphId, CancellationToken cancellationToken) => Run(() => inner.ReadAsync(morphId, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<MorphRecord>> ListAsync(VmId vm, CancellationToken cancellationToken) => Run(() => inner.ListAsync(vm, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<MorphRecord>> UnfinishedAsync(CancellationToken cancellationToken) => Run(() => inner.UnfinishedAsync(cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task SetBaselineAsync(string morphId, MorphBaseline baseline, CancellationToken cancellationToken) => Run(() => inner.SetBaselineAsync(morphId, baseline, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task SetVerdictAsync(string morphId, GuardVerdict verdict, CancellationToken cancellationToken) => Run(() => inner.SetVerdictAsync(morphId, verdict, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task SetDiscardedAsync(string morphId, string discarded, CancellationToken cancellationToken) => Run(() => inner.SetDiscardedAsync(morphId, discarded, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task SetCommittedVersionAsync(string morphId, int version, CancellationToken cancellationToken) => Run(() => inner.SetCommittedVersionAsync(morphId, version, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<MorphLease?> LeaseAsync(VmId vm, CancellationToken cancellationToken) => Run(() => inner.LeaseAsync(vm, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryWriteLeaseAsync(MorphLease lease, long? expectedVersion, CancellationToken cancellationToken) => Run(() => inner.TryWriteLeaseAsync(lease, expectedVersion, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryDeleteLeaseAsync(VmId vm, string morphId, long expectedVersion, CancellationToken cancellationToken) => Run(() => inner.TryDeleteLeaseAsync(vm, morphId, expectedVersion, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        inner.Dispose();
        gate.Dispose();
    }
}
