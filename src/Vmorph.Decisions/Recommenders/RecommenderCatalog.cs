using Vmorph.Recommenders.Baselines;
using Vmorph.Recommenders.References;

namespace Vmorph.Recommenders;

/// <summary>The baselines vmorph is compared with, by the names the command line uses.</summary>
public static class RecommenderCatalog
{
    /// <summary>The name of the offline optimum, which is planned rather than recommended (see <see cref="OraclePlanner"/>).</summary>
    public const string Oracle = "oracle";

    /// <summary>The online baselines, in the order they are reported.</summary>
    public static IReadOnlyList<IRecommenderFactory> Baselines { get; } =
    [
        new StaticRecommenderFactory(),
        new VpaRecommenderFactory(),
        new AutopilotMovingWindowRecommenderFactory(),
        new AutopilotMlRecommenderFactory(),
        new AwsComputeOptimizerRecommenderFactory(),
    ];

    /// <summary>Every baseline name, the oracle included.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Baselines.Select(b => b.Name), Oracle];

    /// <summary>The reference rules of the frontier ("peak of the last W, times h"; <see cref="PeakRuleFactory.All"/>).</summary>
    public static IReadOnlyList<IRecommenderFactory> ReferenceRules { get; } = PeakRuleFactory.All;

    /// <summary>A baseline or a reference rule by name, or null.</summary>
    public static IRecommenderFactory? Find(string name) =>
        Baselines.Concat(ReferenceRules).FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));
}
