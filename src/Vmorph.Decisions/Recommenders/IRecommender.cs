namespace Vmorph.Recommenders;

/// <summary>
/// Decides a VM's allocation from its past only. The caller shows it each step once the step is over
/// (<see cref="Observe"/>), then asks what allocation it wants from now on (<see cref="Recommend"/>); a recommender
/// never sees a sample from the future, which is what makes a replay honest. One instance serves one VM.
/// </summary>
public interface IRecommender
{
    /// <summary>Folds one finished step. Steps come in time order.</summary>
    void Observe(in UsageSample sample);

    /// <summary>
    /// The allocation wanted from <paramref name="nowUnixSeconds"/> on, given every step observed so far;
    /// <paramref name="current"/> is what was last decided (in force, or about to be). Returning
    /// <paramref name="current"/> means no change.
    /// </summary>
    Allocation Recommend(long nowUnixSeconds, Allocation current);
}

/// <summary>A recommender that reports what it did: intents by trigger, deferrals by the policy gate, and the like.</summary>
public interface IReportingRecommender : IRecommender
{
    /// <summary>Counters by name (<c>intent.resource-demand</c>, <c>gate.cooldown</c>, ...), cumulative.</summary>
    IReadOnlyDictionary<string, long> Counters { get; }
}

/// <summary>
/// Makes one recommender per VM, and says what it is and where it comes from (the citation shown in the docs and in
/// <c>vmorph simulate --help</c>).
/// </summary>
public interface IRecommenderFactory
{
    /// <summary>The name used on the command line (<c>vpa</c>).</summary>
    string Name { get; }

    /// <summary>One line saying what it does.</summary>
    string Description { get; }

    /// <summary>The published source it follows.</summary>
    string Source { get; }

    /// <summary>A recommender for one VM.</summary>
    IRecommender Create(VmContext vm);
}

/// <summary>
/// A factory whose recommenders share the fleet's activity (the peer forecast): a replay must advance all their VMs
/// together in time slices and publish the fleet's activity between slices.
/// </summary>
public interface IFleetRecommenderFactory : IRecommenderFactory
{
    /// <summary>The shared activity, or null when the recommenders do not use it.</summary>
    Forecasting.FleetActivity? Fleet { get; }
}
