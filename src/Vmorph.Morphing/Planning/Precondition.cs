using System.Globalization;
using Vmorph.Configuration;

namespace Vmorph.Planning;

/// <summary>What must hold before a step is carried out.</summary>
public enum PreconditionKind
{
    /// <summary>The new memory is at most the maximum memory (<see cref="Precondition.Value"/>: the new memory, bytes).</summary>
    MemoryWithinMaximum,
    /// <summary>The new vCPU count is at most the maximum (<see cref="Precondition.Value"/>: the new count).</summary>
    VcpusWithinMaximum,
    /// <summary>The new maximum memory still covers the memory (<see cref="Precondition.Value"/>: the new maximum, bytes).</summary>
    MaximumCoversMemory,
    /// <summary>The new maximum vCPUs still covers the vCPUs online (<see cref="Precondition.Value"/>: the new maximum).</summary>
    MaximumCoversVcpus,
    /// <summary>The disk exists (<see cref="Precondition.Value"/>: its device name).</summary>
    DiskExists,
    /// <summary>The guest answers on its channel (guest agent ping, SSH connect); checked by the driver.</summary>
    GuestAnswers,
    /// <summary>The morph's snapshot exists; checked by the state machine.</summary>
    SnapshotTaken,
    /// <summary>
    /// No vCPU has been hot-added since the VM last started, so the snapshot can be reverted (LAB.md: reverting a
    /// snapshot taken after a hot-add fails and leaves the domain shut off); checked by the driver before the snapshot.
    /// </summary>
    NoVcpuHotAddSinceStart,
}

/// <summary>A condition a step needs, in words and as data a checker can evaluate.</summary>
/// <param name="Kind">What must hold.</param>
/// <param name="Description">The condition in words: <c>memory ≤ maximum memory (1 GiB ≤ 2 GiB)</c>.</param>
/// <param name="Value">The kind's parameter, where it has one (invariant text).</param>
public sealed record Precondition(PreconditionKind Kind, string Description, string? Value = null)
{
    /// <summary>
    /// Whether the condition holds on a configuration, or null when only a driver can tell (the guest answers, the
    /// snapshot exists).
    /// </summary>
    public bool? HoldsOn(VmConfiguration configuration) => Kind switch
    {
        PreconditionKind.MemoryWithinMaximum => configuration.MaxMemory is { } max && Number(Value) <= max.Bytes,
        PreconditionKind.VcpusWithinMaximum => configuration.MaxVcpus is { } max && Number(Value) <= max,
        PreconditionKind.MaximumCoversMemory => configuration.Memory is { } memory && memory.Bytes <= Number(Value),
        PreconditionKind.MaximumCoversVcpus => configuration.Vcpus is { } vcpus && vcpus <= Number(Value),
        PreconditionKind.DiskExists => Value is not null && configuration.Disks.ContainsKey(Value),
        _ => null,
    };

    private static double Number(string? value) => double.Parse(value ?? "NaN", NumberStyles.Float, CultureInfo.InvariantCulture);
}
