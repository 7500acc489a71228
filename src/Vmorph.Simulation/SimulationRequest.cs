using Vmorph.Recommenders;
using Vmorph.Policies;
using Vmorph.Simulation.Replay;
using Vmorph.Traits;

namespace Vmorph.Simulation;

/// <summary>What to simulate (the options of <c>vmorph simulate</c>).</summary>
public sealed record SimulationRequest
{
    /// <summary>Trace files or directories to replay and score.</summary>
    public required IReadOnlyList<string> Traces { get; init; }

    /// <summary>Trace files or directories to warm up and train on beforehand (same VM ids), or none.</summary>
    public IReadOnlyList<string> Train { get; init; } = [];

    /// <summary>vmorph policies: a built-in name or a YAML file (every policy in it).</summary>
    public IReadOnlyList<string> Policies { get; init; } = [PolicyCatalog.DefaultPolicy];

    /// <summary>Baselines by name (<see cref="RecommenderCatalog.Names"/>); <c>all</c> for every one.</summary>
    public IReadOnlyList<string> Baselines { get; init; } = [];

    /// <summary>Options of the replay (grid, delay, evaluation start, parallelism).</summary>
    public ReplayOptions Replay { get; init; } = new();

    /// <summary>The nominal capacity of a VM in a CPU-only trace, cores.</summary>
    public double NominalCores { get; init; } = TraceLoader.DefaultNominalCores;

    /// <summary>The oracle's morphs per day; null takes the first policy's maximum (4 if it has none).</summary>
    public int? OracleMorphsPerDay { get; init; }

    /// <summary>Whether the policies may use the fleet's wake-ups (the peer forecast).</summary>
    public bool Peers { get; init; } = true;

    /// <summary>The decisions CSV to write, or null.</summary>
    public string? DecisionsPath { get; init; }

    /// <summary>The directory for PNG plots, or null.</summary>
    public string? PlotDirectory { get; init; }

    /// <summary>VMs to plot, by id (<c>bitbrains:17</c>) or by name in the trace (<c>17</c>); empty picks the four busiest.</summary>
    public IReadOnlyList<string> PlotVms { get; init; } = [];

    /// <summary>
    /// Policies to draw a panel for, in this order (names may be comma-separated lists); empty draws every policy that ran,
    /// in table order.
    /// </summary>
    public IReadOnlyList<string> PlotPolicies { get; init; } = [];

    /// <summary>The frontier plot to write (PNG: mean CPU allocated against shortfall, one point per policy), or null.</summary>
    public string? FrontierPath { get; init; }

    /// <summary>The seed of the machine-learned model.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The archetypes workload detection scores against (default: the built-in ones).</summary>
    public ArchetypeCatalog? Archetypes { get; init; }
}
