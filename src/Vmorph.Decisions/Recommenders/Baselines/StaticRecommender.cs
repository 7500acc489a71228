namespace Vmorph.Recommenders.Baselines;

/// <summary>
/// The capacity the trace provisioned, step by step: what the VM actually had. It decides nothing, so it has no
/// delay; the replay gives it the trace's own allocation of each step.
/// </summary>
internal sealed class StaticRecommender : IRecommender
{
    public void Observe(in UsageSample sample)
    {
    }

    public Allocation Recommend(long nowUnixSeconds, Allocation current) => current;
}

/// <summary>Makes <see cref="StaticRecommender"/>s: the replay recognises this factory and follows the trace's own capacity.</summary>
public sealed class StaticRecommenderFactory : IRecommenderFactory
{
    /// <inheritdoc />
    public string Name => "static";

    /// <inheritdoc />
    public string Description => "the capacity the trace provisioned (no resizing)";

    /// <inheritdoc />
    public string Source => "the trace itself";

    /// <inheritdoc />
    public IRecommender Create(VmContext vm) => new StaticRecommender();
}
