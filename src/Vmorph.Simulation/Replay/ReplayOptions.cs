using Vmorph.Identity;
using Vmorph.Recommenders;

namespace Vmorph.Simulation.Replay;

/// <summary>How to replay.</summary>
public sealed record ReplayOptions
{
    /// <summary>The allocation grid every policy is rounded up to.</summary>
    public AllocationGrid Grid { get; init; } = AllocationGrid.Default;

    /// <summary>How long after a decision it takes effect (default: one five-minute step).</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Steps before this time only warm the policies up (as training data) and are not scored.</summary>
    public DateTimeOffset? EvaluateFrom { get; init; }

    /// <summary>Keep every allocation (for the decisions file).</summary>
    public bool KeepAllocations { get; init; }

    /// <summary>VMs whose allocations are kept for plots even when the others are not.</summary>
    public IReadOnlySet<VmId> KeepFor { get; init; } = new HashSet<VmId>();

    /// <summary>The time slice of a lock-step replay (policies that share the fleet's activity): VMs see each other's activity from earlier slices only.</summary>
    public TimeSpan LockstepSlice { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many VMs to replay at once (default: one per processor).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks the options, naming every problem.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Grid.Validate());
        if (Delay < TimeSpan.Zero) errors.Add("the delay must not be negative");
        if (Parallelism < 1) errors.Add("parallelism must be at least 1");
        if (LockstepSlice <= TimeSpan.Zero) errors.Add("the lock-step slice must be positive");
        return errors;
    }
}
