using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Vmorph.Identity;
using Vmorph.Store;

namespace Vmorph.Storage.Sqlite;

/// <summary>
/// <see cref="IControlStore"/> in the same SQLite file as the fleet store (WAL, its own connection). One connection is
/// not safe from several threads, and the server's grains call it from many: every call holds a lock.
/// </summary>
public sealed class SqliteControlStore : IControlStore
{
    private readonly SqliteConnection connection;
    private readonly TimeProvider clock;
    private readonly Lock gate = new();

    private SqliteControlStore(SqliteConnection connection, TimeProvider clock)
    {
        this.connection = connection;
        this.clock = clock;
    }

    /// <summary>Opens (creating and migrating if needed) the control tables in the store file at <paramref name="path"/>.</summary>
    public static SqliteControlStore Open(string path, TimeProvider clock)
    {
        var connection = StoreFile.OpenMigrated(path, clock, durable: false);
        return new SqliteControlStore(connection, clock);
    }

    private string Now() => clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static string? Text(DateTimeOffset? at) => at?.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<VmId, IReadOnlyDictionary<string, string>>> AllLabelsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            IReadOnlyDictionary<VmId, IReadOnlyDictionary<string, string>> all = connection.Query<(string Vm, string Key, string Value)>("SELECT vm_id, key, value FROM labels")
                .GroupBy(r => r.Vm)
                .ToDictionary(g => new VmId(g.Key), g => (IReadOnlyDictionary<string, string>)g.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal));
            return Task.FromResult(all);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, string>> LabelsAsync(VmId vm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate) return Task.FromResult(Labels(vm, null));
    }

    private IReadOnlyDictionary<string, string> Labels(VmId vm, SqliteTransaction? transaction) =>
        connection.Query<(string Key, string Value)>("SELECT key, value FROM labels WHERE vm_id = @vm ORDER BY key", new { vm = vm.Value }, transaction)
            .ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, string>> SetLabelsAsync(VmId vm, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var now = Now();
            foreach (var (key, value) in changes)
            {
                if (value is null)
                    connection.Execute("DELETE FROM labels WHERE vm_id = @vm AND key = @key", new { vm = vm.Value, key }, transaction);
                else
                    connection.Execute(
                        "INSERT INTO labels (vm_id, key, value, updated_at) VALUES (@vm, @key, @value, @now) ON CONFLICT (vm_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                        new { vm = vm.Value, key, value, now }, transaction);
            }
            var after = Labels(vm, transaction);
            transaction.Commit();
            return Task.FromResult(after);
        }
    }

    /// <inheritdoc />
    public Task SavePlanAsync(StoredPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            connection.Execute(
                """
                INSERT INTO plans (plan_id, vm_id, vm_name, target, origin, reason, state, created_at, decided_by, decided_at, rejected_because, morph_id, rendered, plan)
                VALUES (@PlanId, @Vm, @VmName, @Target, @Origin, @Reason, @State, @CreatedAt, @DecidedBy, @DecidedAt, @RejectedBecause, @MorphId, @Rendered, @PlanJson)
                ON CONFLICT (plan_id) DO UPDATE SET state = excluded.state, decided_by = excluded.decided_by, decided_at = excluded.decided_at,
                    rejected_because = excluded.rejected_because, morph_id = excluded.morph_id, reason = excluded.reason
                """,
                new
                {
                    plan.PlanId, Vm = plan.Vm.Value, plan.VmName, plan.Target, plan.Origin, plan.Reason, plan.State, CreatedAt = Text(plan.CreatedAt),
                    plan.DecidedBy, DecidedAt = Text(plan.DecidedAt), plan.RejectedBecause, plan.MorphId, plan.Rendered, plan.PlanJson,
                });
        }
        return Task.CompletedTask;
    }

    private sealed record PlanRow(string plan_id, string vm_id, string vm_name, string target, string origin, string reason, string state, string created_at,
        string? decided_by, string? decided_at, string? rejected_because, string? morph_id, string rendered, string plan);

    private static StoredPlan ToPlan(PlanRow r) => new(r.plan_id, new VmId(r.vm_id), r.vm_name, r.target, r.origin, r.reason, r.state, Time(r.created_at),
        r.decided_by, r.decided_at is { } d ? Time(d) : null, r.rejected_because, r.morph_id, r.rendered, r.plan);

    /// <inheritdoc />
    public Task<StoredPlan?> FindPlanAsync(string planId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            var row = connection.QueryFirstOrDefault<PlanRow>("SELECT * FROM plans WHERE plan_id = @planId", new { planId });
            return Task.FromResult(row is null ? null : ToPlan(row));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredPlan>> PlansAsync(VmId vm, int offset, int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            IReadOnlyList<StoredPlan> plans = connection.Query<PlanRow>(
                    "SELECT * FROM plans WHERE vm_id = @vm ORDER BY created_at DESC, plan_id LIMIT @limit OFFSET @offset",
                    new { vm = vm.Value, limit, offset })
                .Select(ToPlan).ToList();
            return Task.FromResult(plans);
        }
    }

    /// <inheritdoc />
    public Task<int> CountPlansAsync(VmId vm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate) return Task.FromResult(connection.ExecuteScalar<int>("SELECT count(*) FROM plans WHERE vm_id = @vm", new { vm = vm.Value }));
    }

    /// <inheritdoc />
    public Task<string?> LoopStateAsync(VmId vm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate) return Task.FromResult(connection.QueryFirstOrDefault<string>("SELECT document FROM loop_state WHERE vm_id = @vm", new { vm = vm.Value }));
    }

    /// <inheritdoc />
    public Task SaveLoopStateAsync(VmId vm, string document, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            connection.Execute(
                "INSERT INTO loop_state (vm_id, document, updated_at) VALUES (@vm, @document, @now) ON CONFLICT (vm_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
                new { vm = vm.Value, document, now = Now() });
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredDemandModel>> DemandModelsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            IReadOnlyList<StoredDemandModel> models = connection.Query<(long Step, long Horizon, string Zone, byte[] Model, string TrainedAt)>(
                    "SELECT step_seconds, horizon_steps, zone, model, trained_at FROM demand_models ORDER BY step_seconds, horizon_steps, zone")
                .Select(r => new StoredDemandModel(checked((int)r.Step), checked((int)r.Horizon), r.Zone, r.Model, Time(r.TrainedAt)))
                .ToList();
            return Task.FromResult(models);
        }
    }

    /// <inheritdoc />
    public Task SaveDemandModelAsync(StoredDemandModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            connection.Execute(
                """
                INSERT INTO demand_models (step_seconds, horizon_steps, zone, model, trained_at) VALUES (@StepSeconds, @HorizonSteps, @Zone, @Model, @TrainedAt)
                ON CONFLICT (step_seconds, horizon_steps, zone) DO UPDATE SET model = excluded.model, trained_at = excluded.trained_at
                """,
                new { model.StepSeconds, model.HorizonSteps, model.Zone, model.Model, TrainedAt = Text(model.TrainedAt) });
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => connection.Dispose();
}
