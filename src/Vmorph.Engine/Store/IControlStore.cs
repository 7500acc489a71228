using Vmorph.Identity;

namespace Vmorph.Store;

/// <summary>A plan the loop keeps: made by a trigger or a person, waiting for approval, applied, rejected or superseded.</summary>
/// <param name="PlanId">The plan's id.</param>
/// <param name="Vm">The VM.</param>
/// <param name="VmName">Its name when planned.</param>
/// <param name="Target">The target profile's name.</param>
/// <param name="Origin">Who made it (<c>trigger:resource-demand</c>, <c>token:alice</c>).</param>
/// <param name="Reason">Why.</param>
/// <param name="State"><c>pending</c>, <c>approved</c>, <c>rejected</c>, <c>applied</c>, <c>superseded</c>, <c>failed</c>.</param>
/// <param name="CreatedAt">When.</param>
/// <param name="DecidedBy">Who approved or rejected it.</param>
/// <param name="DecidedAt">When.</param>
/// <param name="RejectedBecause">Why it was rejected (or why applying it failed).</param>
/// <param name="MorphId">The morph that applied it.</param>
/// <param name="Rendered">The plan as people read it.</param>
/// <param name="PlanJson">The plan file (format 2).</param>
public sealed record StoredPlan(
    string PlanId, VmId Vm, string VmName, string Target, string Origin, string Reason, string State, DateTimeOffset CreatedAt,
    string? DecidedBy, DateTimeOffset? DecidedAt, string? RejectedBecause, string? MorphId, string Rendered, string PlanJson);

/// <summary>A forecasting model the fleet's VMs trained, kept so that a restarted server predicts with it at once.</summary>
/// <param name="StepSeconds">The collection step its features and horizon count in.</param>
/// <param name="HorizonSteps">The horizon it predicts the peak over, in steps.</param>
/// <param name="Zone">The time zone of its calendar features (an IANA id).</param>
/// <param name="Model">The model (<c>FastTreeDemandModel.ToBytes</c>); not trusted when read back.</param>
/// <param name="TrainedAt">When it was trained, in the loop's clock.</param>
public sealed record StoredDemandModel(int StepSeconds, int HorizonSteps, string Zone, byte[] Model, DateTimeOffset TrainedAt);

/// <summary>
/// What the server's loop keeps beside the profiles: labels that policies match, plans with their approval, each VM's
/// loop state (a small document: when schedules were last checked, whether the VM is gone) and the fleet's
/// forecasting models. SQLite by default;
/// PostgreSQL later behind the same interface. Safe to call from several threads.
/// </summary>
public interface IControlStore : IDisposable
{
    /// <summary>Every VM's labels.</summary>
    Task<IReadOnlyDictionary<VmId, IReadOnlyDictionary<string, string>>> AllLabelsAsync(CancellationToken cancellationToken);

    /// <summary>A VM's labels (empty when none).</summary>
    Task<IReadOnlyDictionary<string, string>> LabelsAsync(VmId vm, CancellationToken cancellationToken);

    /// <summary>Sets (value) or removes (null) labels of a VM in one transaction; returns the labels after.</summary>
    Task<IReadOnlyDictionary<string, string>> SetLabelsAsync(VmId vm, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken);

    /// <summary>Saves a plan (inserted, or replaced by id).</summary>
    Task SavePlanAsync(StoredPlan plan, CancellationToken cancellationToken);

    /// <summary>A plan by id, or null.</summary>
    Task<StoredPlan?> FindPlanAsync(string planId, CancellationToken cancellationToken);

    /// <summary>A VM's plans, newest first, from <paramref name="offset"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StoredPlan>> PlansAsync(VmId vm, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>How many plans a VM has.</summary>
    Task<int> CountPlansAsync(VmId vm, CancellationToken cancellationToken);

    /// <summary>A VM's loop-state document, or null.</summary>
    Task<string?> LoopStateAsync(VmId vm, CancellationToken cancellationToken);

    /// <summary>Saves a VM's loop-state document.</summary>
    Task SaveLoopStateAsync(VmId vm, string document, CancellationToken cancellationToken);

    /// <summary>The fleet's forecasting models, one a step, horizon and time zone.</summary>
    Task<IReadOnlyList<StoredDemandModel>> DemandModelsAsync(CancellationToken cancellationToken);

    /// <summary>Keeps a model, replacing the one of its step, horizon and time zone.</summary>
    Task SaveDemandModelAsync(StoredDemandModel model, CancellationToken cancellationToken);
}
