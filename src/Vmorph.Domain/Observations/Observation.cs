using Vmorph.Configuration;
using Vmorph.Identity;

namespace Vmorph.Observations;

/// <summary>Something a source saw of a VM at one instant. Sources (libvirt, the guest agent, trace files) produce them; a profile folds them.</summary>
public abstract record Observation(VmId Vm)
{
    /// <summary>When it was seen.</summary>
    public abstract DateTimeOffset At { get; }
}

/// <summary>A resource-use measurement.</summary>
public sealed record MetricObservation(VmId Vm, MetricSample Sample) : Observation(Vm)
{
    /// <inheritdoc />
    public override DateTimeOffset At => Sample.At;
}

/// <summary>A measurement the source reported as missing (a trace row of zeros, a poll that failed): counted, never filled in.</summary>
public sealed record MissingObservation(VmId Vm, DateTimeOffset When, string Reason) : Observation(Vm)
{
    /// <inheritdoc />
    public override DateTimeOffset At => When;
}

/// <summary>What ran inside the guest.</summary>
public sealed record InventoryObservation(VmId Vm, InventorySnapshot Inventory) : Observation(Vm)
{
    /// <inheritdoc />
    public override DateTimeOffset At => Inventory.At;
}

/// <summary>The VM's configuration as seen, with the cause the source gives for looking.</summary>
public sealed record ConfigurationObservation(VmId Vm, DateTimeOffset When, VmConfiguration Configuration, string Cause) : Observation(Vm)
{
    /// <inheritdoc />
    public override DateTimeOffset At => When;
}
