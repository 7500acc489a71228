using Vmorph.Cycles;
using Vmorph.Forecasting;
using Vmorph.Policies;
using Vmorph.Recommenders;
using Vmorph.Traits;

namespace Vmorph.Triggers;

/// <summary>Makes a <see cref="PolicyEngine"/> per VM for one policy.</summary>
/// <param name="policy">The policy.</param>
/// <param name="catalog">The archetypes for workload detection (null turns it off).</param>
/// <param name="cpuModel">A FastTree model trained beforehand, or null.</param>
/// <param name="autoApprove">Approve every intent at once (replays).</param>
/// <param name="fleet">The fleet's wake-ups for the peer forecast, or null; a replay with a fleet runs its VMs in lock step.</param>
/// <param name="sharedCycles">Dominant-cycle detection shared with the other policies of a replay, which fold the same samples; null: each engine detects its own.</param>
/// <param name="sharedForecasts">
/// Forecasts shared with the other policies of a replay that forecast alike (<see cref="SharedForecasts.ForecastAlike"/>)
/// and have the same <paramref name="cpuModel"/>; null: each engine forecasts its own.
/// </param>
public sealed class PolicyEngineFactory(Policy policy, ArchetypeCatalog? catalog, FastTreeDemandModel? cpuModel, bool autoApprove, FleetActivity? fleet = null, SharedCycleDetection? sharedCycles = null, SharedForecasts? sharedForecasts = null) : IFleetRecommenderFactory
{
    /// <inheritdoc />
    public FleetActivity? Fleet { get; } = fleet;

    /// <summary>The policy.</summary>
    public Policy Policy { get; } = policy;

    /// <summary>The trained model, if any.</summary>
    public FastTreeDemandModel? CpuModel { get; } = cpuModel;

    /// <inheritdoc />
    public string Name => Policy.Name;

    /// <inheritdoc />
    public string Description => Policy.Description.Length > 0 ? Policy.Description : $"policy {Policy.Name}: {string.Join(", ", Policy.EnabledTriggers())}";

    /// <inheritdoc />
    public string Source => Policy.Source;

    /// <inheritdoc />
    public IRecommender Create(VmContext vm) => new PolicyEngine(Policy, vm, catalog, CpuModel, autoApprove, Fleet, sharedCycles: sharedCycles, sharedForecasts: sharedForecasts);

    /// <summary>Learns which VMs wake up before which (the peer forecast) from training histories; an empty model if the policy has no wake share.</summary>
    public static PeerWakeModel LearnPeers(Policy policy, IReadOnlyDictionary<Identity.VmId, (long[] UnixSeconds, double[] Cores)> histories) =>
        policy.Demand is { Wake: > 0 } d && policy.Predictive is not null ? PeerWakeModel.Learn(histories, d.Wake) : PeerWakeModel.Empty;

    /// <summary>
    /// Trains the predictive trigger's FastTree model on training series (pooled over VMs), for the policy's horizon;
    /// null if the policy has no predictive trigger or the data are too few.
    /// </summary>
    public static FastTreeDemandModel? TrainCpuModel(Policy policy, IEnumerable<TrainingSeries> series, TimeSpan step, int seed = 1)
    {
        if (policy.Predictive is not { } p || p.Model is ForecastModel.Seasonal or ForecastModel.RecentPeak or ForecastModel.Conformal) return null;
        var horizonSteps = Math.Max(1, (int)Math.Round(p.Horizon / step));
        return FastTreeDemandModel.Train(series, horizonSteps, policy.TimeZone, seed);
    }
}
