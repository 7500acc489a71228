using Vmorph.Recommenders;

namespace Vmorph.Simulation.Replay;

/// <summary>How a policy under test decides.</summary>
public enum PolicyKind
{
    /// <summary>Online: a recommender that sees only the past, its decisions applied after the delay.</summary>
    Online,
    /// <summary>The trace's own capacity, step by step.</summary>
    Static,
    /// <summary>The offline optimum over the known future (<see cref="OraclePlanner"/>).</summary>
    Oracle,
}

/// <summary>A policy the replay scores.</summary>
/// <param name="Name">The name in tables and in the decisions file.</param>
/// <param name="Kind">How it decides.</param>
/// <param name="Description">One line saying what it is.</param>
/// <param name="Source">Where it comes from (a citation, or the policy file).</param>
/// <param name="Factory">Makes its recommender per VM (online policies).</param>
/// <param name="MorphsPerDay">The oracle's morph budget per UTC day.</param>
public sealed record PolicyUnderTest(string Name, PolicyKind Kind, string Description, string Source, IRecommenderFactory? Factory = null, int MorphsPerDay = 0)
{
    /// <summary>An online policy from a recommender factory.</summary>
    public static PolicyUnderTest Online(IRecommenderFactory factory, string? name = null) =>
        new(name ?? factory.Name, PolicyKind.Online, factory.Description, factory.Source, factory);

    /// <summary>The trace's own capacity.</summary>
    public static PolicyUnderTest Static() =>
        new("static", PolicyKind.Static, "the capacity the trace provisioned (no resizing)", "the trace itself");

    /// <summary>The offline optimum with a morph budget.</summary>
    public static PolicyUnderTest Oracle(int morphsPerDay) =>
        new(RecommenderCatalog.Oracle, PolicyKind.Oracle,
            $"offline optimum: least CPU slack with no shortfall, at most {morphsPerDay} morphs per VM-day, over the known future",
            "dynamic programming over the whole trace (not an online policy: the bound no online policy can beat)", MorphsPerDay: morphsPerDay);
}
