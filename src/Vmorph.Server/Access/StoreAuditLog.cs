using Vmorph.Access;

namespace Vmorph.Server.Access;

/// <summary><see cref="IAuditLog"/> over the store's audit trail, timed by the server's clock.</summary>
internal sealed class StoreAuditLog(IAuditStore store, TimeProvider clock) : IAuditLog
{
    public Task RecordAsync(string actor, string action, string target, string result, CancellationToken cancellationToken) =>
        store.AppendAuditAsync(new AuditRecord(clock.GetUtcNow(), actor, action, target, result), cancellationToken);

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(int offset, int limit, CancellationToken cancellationToken) =>
        (await store.ListAuditAsync(offset, limit, cancellationToken)).Select(r => new AuditEntry(r.At, r.Actor, r.Action, r.Target, r.Result)).ToList();

    public Task<int> CountAsync(CancellationToken cancellationToken) => store.CountAuditAsync(cancellationToken);
}
