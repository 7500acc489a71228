using Vmorph.Units;

namespace Vmorph.Replay;

/// <summary>How a trace becomes a replayed fleet.</summary>
public sealed record ReplayFleetOptions
{
    /// <summary>The fleet's name, in its URI <c>replay:///NAME</c>; null: the trace path's last part (<c>bitbrains-rnd</c>).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// At most this many trace VMs, the first in the trace's order (files in natural order, VMs in file order); reading
    /// stops once they are found, so a VM's files after that point (a second month) are not read. Null: every VM.
    /// </summary>
    public int? MaxVms { get; init; }

    /// <summary>
    /// The number of VMs served: the trace VMs, then clones of them in turn (clone k of a trace VM has the id suffix
    /// <c>~k</c> and its usage shifted by k × <see cref="CloneShift"/>). Null: each trace VM once. Fewer than the trace
    /// VMs keeps the first ones.
    /// </summary>
    public int? ReplicateTo { get; init; }

    /// <summary>How far each clone's usage lags the previous clone's, so clones do not peak together.</summary>
    public TimeSpan CloneShift { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The vCPUs of a VM whose trace gives no capacity (Azure, PlanetLab, Alibaba, Google: utilisation only).</summary>
    public int NominalVcpus { get; init; } = 2;

    /// <summary>The memory of a VM whose trace gives no memory capacity.</summary>
    public MemorySize NominalMemory { get; init; } = MemorySize.FromGiB(4);

    /// <summary>The size of each replayed VM's one disk (<c>vda</c>), which disk limits and growth apply to.</summary>
    public MemorySize DiskCapacity { get; init; } = MemorySize.FromGiB(40);

    /// <summary>Checks the options, naming every problem at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Name is { } name && (name.Length == 0 || name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '/')))
            errors.Add($"the fleet name '{name}' must be non-empty, without spaces, slashes or control characters");
        if (MaxVms is < 1) errors.Add($"the number of trace VMs must be at least 1, not {MaxVms}");
        if (ReplicateTo is < 1) errors.Add($"the number of VMs to replicate to must be at least 1, not {ReplicateTo}");
        if (CloneShift < TimeSpan.Zero) errors.Add("the clone shift cannot be negative");
        if (NominalVcpus is < 1 or > ReplayHost.Cores) errors.Add($"the nominal vCPUs must be between 1 and {ReplayHost.Cores}, not {NominalVcpus}");
        if (NominalMemory.Bytes < MemorySize.MiB) errors.Add($"the nominal memory must be at least 1 MiB, not {NominalMemory}");
        if (DiskCapacity.Bytes < MemorySize.MiB) errors.Add($"the disk capacity must be at least 1 MiB, not {DiskCapacity}");
        return errors;
    }
}
