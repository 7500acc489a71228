using System.Collections.Immutable;
using System.Globalization;

namespace Vmorph.Traits;

/// <summary>
/// What kind of workload a VM is, or <c>unknown</c> when its strongest workload trait is too weak, too poorly covered
/// or too close to the next one to be called one. A weak score is shown as a guess, never as a classification.
/// </summary>
/// <param name="Name">The workload, or <see cref="Unknown"/>.</param>
/// <param name="BestGuess">The strongest workload trait, or null when the catalog has no workload archetypes.</param>
/// <param name="Score">The best guess's score, 0 to 1 (0 without a guess): the confidence of the detection.</param>
/// <param name="Coverage">The best guess's coverage, 0 to 1 (0 without a guess).</param>
/// <param name="Reason">Why the VM is or is not called its best guess, against the thresholds.</param>
public sealed record WorkloadClassification(string Name, string? BestGuess, double Score, double Coverage, string Reason)
{
    /// <summary>The name of a workload that cannot be told.</summary>
    public const string Unknown = "unknown";

    /// <summary>The second strongest workload trait, or null when there is none.</summary>
    public string? RunnerUp { get; init; }

    /// <summary>The runner-up's score (0 without one).</summary>
    public double RunnerUpScore { get; init; }

    /// <summary>The best guess's score minus the runner-up's, 0 to 1: how clearly it stands out.</summary>
    public double Margin => Math.Max(0, Score - RunnerUpScore);

    /// <summary>The features that made the best guess's score, largest contribution first.</summary>
    public ImmutableArray<Contribution> DecidedBy { get; init; } = [];

    /// <summary>Whether the VM is called a workload (its best guess passed every threshold).</summary>
    public bool IsKnown => Name != Unknown;

    /// <summary>
    /// For people: <c>database-server 0.81</c> (with its coverage when below 100 %), or
    /// <c>unknown (best guess database-server 0.17, 50 % coverage)</c>.
    /// </summary>
    public string Describe() => IsKnown
        ? string.Create(CultureInfo.InvariantCulture, $"{Name} {Score:0.00}") + (Coverage < 1 ? string.Create(CultureInfo.InvariantCulture, $" ({Coverage:P0} coverage)") : "")
        : BestGuess is null
            ? Unknown
            : string.Create(CultureInfo.InvariantCulture, $"{Unknown} (best guess {BestGuess} {Score:0.00}, {Coverage:P0} coverage)");
}
