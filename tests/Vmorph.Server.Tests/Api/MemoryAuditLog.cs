using Vmorph.Server.Access;

namespace Vmorph.Server.Tests.Api;

/// <summary>An audit log in memory, newest first, until the store's lands.</summary>
internal sealed class MemoryAuditLog(TimeProvider clock) : IAuditLog
{
    private readonly List<AuditEntry> entries = [];

    public IReadOnlyList<AuditEntry> Entries
    {
        get
        {
            lock (entries) return [.. entries];
        }
    }

    public Task RecordAsync(string actor, string action, string target, string result, CancellationToken cancellationToken)
    {
        lock (entries) entries.Insert(0, new AuditEntry(clock.GetUtcNow(), actor, action, target, result));
        return Task.CompletedTask;
    }

    public Task<int> CountAsync(CancellationToken cancellationToken)
    {
        lock (entries) return Task.FromResult(entries.Count);
    }

    public Task<IReadOnlyList<AuditEntry>> ListAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        lock (entries) return Task.FromResult<IReadOnlyList<AuditEntry>>([.. entries.Skip(offset).Take(limit)]);
    }
}
