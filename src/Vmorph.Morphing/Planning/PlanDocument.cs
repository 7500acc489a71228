using System.Collections.Immutable;

namespace Vmorph.Planning;

/// <summary>
/// The JSON form of a plan (<c>vmorph plan --output json</c> and saved plan files), schema version
/// <see cref="PlanFile.FormatVersion"/>. Property names are camelCase, enum values kebab-case; every field is always
/// written (null where empty). The schema is documented in docs/MORPHING.md and only ever changes with a new version.
/// </summary>
/// <param name="Kind">Always <c>vmorph-plan</c>.</param>
/// <param name="FormatVersion">The schema version.</param>
/// <param name="Id">The plan's content address.</param>
/// <param name="Vm">The VM's id.</param>
/// <param name="VmName">The VM's name.</param>
/// <param name="TargetProfile">The target profile's name.</param>
/// <param name="TargetProfileSource">Where it was defined.</param>
/// <param name="Host">The host the plan was made for.</param>
/// <param name="HostCapabilities">What that host could do (null for plans made without them).</param>
/// <param name="Guest">How vmorph reaches inside the VM.</param>
/// <param name="Snapshot">The snapshot policy the plan was made with.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="Base">The configuration it was computed against.</param>
/// <param name="ExpectedHash">The content hash of the configuration it leads to.</param>
/// <param name="Traits">The trait comparison.</param>
/// <param name="SnapshotRequired">Whether a snapshot is taken before the first step.</param>
/// <param name="RestartRequired">Whether the VM restarts.</param>
/// <param name="SnapshotPreconditions">What must hold before the snapshot.</param>
/// <param name="Steps">The steps in order.</param>
/// <param name="Summary">The counts and the summary line.</param>
public sealed record PlanDocument(
    string Kind,
    int FormatVersion,
    string Id,
    string Vm,
    string VmName,
    string TargetProfile,
    string TargetProfileSource,
    string Host,
    HostCapabilitiesDocument? HostCapabilities,
    GuestAccess Guest,
    SnapshotPolicy Snapshot,
    DateTimeOffset CreatedAt,
    BaseDocument Base,
    string ExpectedHash,
    TraitsDocument Traits,
    bool SnapshotRequired,
    bool RestartRequired,
    ImmutableArray<PreconditionDocument> SnapshotPreconditions,
    ImmutableArray<StepDocument> Steps,
    SummaryDocument Summary);

/// <summary>What the host could do when the plan was made (<see cref="Planning.HostCapabilities"/>).</summary>
/// <param name="Name">The host's name.</param>
/// <param name="Cores">Its logical CPUs.</param>
/// <param name="MemoryBytes">Its memory, bytes.</param>
/// <param name="VcpuIncrease">Adding vCPUs.</param>
/// <param name="VcpuDecrease">Removing vCPUs.</param>
/// <param name="MemoryWithinMaximum">Changing memory within the maximum.</param>
/// <param name="MaximumChange">Changing the maximums.</param>
/// <param name="CpuQuota">Setting the CPU quota.</param>
/// <param name="DiskIoLimits">Setting disk I/O limits.</param>
/// <param name="DiskGrow">Growing a disk.</param>
/// <param name="NicBandwidth">Limiting a NIC's bandwidth.</param>
/// <param name="Snapshots">Whether snapshots can be taken and reverted.</param>
/// <param name="DefaultCpuPeriodMicroseconds">The CPU period used when a VM has none.</param>
public sealed record HostCapabilitiesDocument(
    string Name,
    int Cores,
    double MemoryBytes,
    ChangeSupport VcpuIncrease,
    ChangeSupport VcpuDecrease,
    ChangeSupport MemoryWithinMaximum,
    ChangeSupport MaximumChange,
    ChangeSupport CpuQuota,
    ChangeSupport DiskIoLimits,
    ChangeSupport DiskGrow,
    ChangeSupport NicBandwidth,
    bool Snapshots,
    long DefaultCpuPeriodMicroseconds)
{
    /// <summary>The document of <paramref name="h"/>.</summary>
    public static HostCapabilitiesDocument Of(HostCapabilities h) => new(
        h.Name, h.Cores, h.Memory.Bytes, h.VcpuIncrease, h.VcpuDecrease, h.MemoryWithinMaximum, h.MaximumChange, h.CpuQuota,
        h.DiskIoLimits, h.DiskGrow, h.NicBandwidth, h.Snapshots, h.DefaultCpuPeriodMicroseconds);

    /// <summary>The capabilities it records.</summary>
    public HostCapabilities ToCapabilities() => new()
    {
        Name = Name, Cores = Cores, Memory = new Units.MemorySize(MemoryBytes), VcpuIncrease = VcpuIncrease, VcpuDecrease = VcpuDecrease,
        MemoryWithinMaximum = MemoryWithinMaximum, MaximumChange = MaximumChange, CpuQuota = CpuQuota, DiskIoLimits = DiskIoLimits,
        DiskGrow = DiskGrow, NicBandwidth = NicBandwidth, Snapshots = Snapshots, DefaultCpuPeriodMicroseconds = DefaultCpuPeriodMicroseconds,
    };
}

/// <summary>The configuration a plan was computed against.</summary>
/// <param name="Hash">Its content hash.</param>
/// <param name="Configuration">Its canonical <c>path: value</c> pairs.</param>
public sealed record BaseDocument(string Hash, ImmutableSortedDictionary<string, string> Configuration);

/// <summary>The trait comparison.</summary>
/// <param name="Distance">RMS distance, 0 to 1.</param>
/// <param name="Traits">Per trait, largest difference first.</param>
public sealed record TraitsDocument(double Distance, ImmutableArray<TraitDifference> Traits);

/// <summary>One step.</summary>
/// <param name="Index">Position, from 1.</param>
/// <param name="Kind">What it changes (<c>set-vcpus</c>, <c>install-package</c>, ..., <c>restart-vm</c>).</param>
/// <param name="Symbol"><c>+</c>, <c>~</c> or <c>-</c>.</param>
/// <param name="Subject">What it acts on.</param>
/// <param name="Mode"><c>live</c> or <c>restart</c>.</param>
/// <param name="Channel"><c>hypervisor</c> or <c>guest</c>.</param>
/// <param name="Changes">The values it sets.</param>
/// <param name="Inverse">How it is undone.</param>
/// <param name="Preconditions">What must hold first.</param>
/// <param name="Risk">Its risk.</param>
/// <param name="RequiresSnapshot">Whether the snapshot must exist first.</param>
/// <param name="SnapshotReason">Why, when it does.</param>
public sealed record StepDocument(
    int Index,
    StepKind Kind,
    string Symbol,
    string Subject,
    StepMode Mode,
    StepChannel Channel,
    ImmutableArray<ChangeDocument> Changes,
    InverseDocument Inverse,
    ImmutableArray<PreconditionDocument> Preconditions,
    StepRisk Risk,
    bool RequiresSnapshot,
    string? SnapshotReason);

/// <summary>One value a step sets.</summary>
/// <param name="Path">The canonical path.</param>
/// <param name="Before">The canonical value before (null: absent).</param>
/// <param name="After">The canonical value after (null: removed).</param>
/// <param name="Display">The change as the text plan shows it.</param>
public sealed record ChangeDocument(string Path, string? Before, string? After, string Display);

/// <summary>How a step is undone.</summary>
/// <param name="Kind">The undoing step's kind.</param>
/// <param name="Mode"><c>live</c> or <c>restart</c>.</param>
/// <param name="Mechanism"><c>step</c> or <c>snapshot</c>.</param>
/// <param name="Changes">The values it restores.</param>
/// <param name="Note">Why it is undone this way.</param>
public sealed record InverseDocument(StepKind Kind, StepMode Mode, InverseMechanism Mechanism, ImmutableArray<ChangeDocument> Changes, string? Note);

/// <summary>A precondition.</summary>
/// <param name="Kind">What must hold.</param>
/// <param name="Description">In words.</param>
/// <param name="Value">Its parameter.</param>
public sealed record PreconditionDocument(PreconditionKind Kind, string Description, string? Value);

/// <summary>The summary counts and line.</summary>
/// <param name="Add">Steps adding values.</param>
/// <param name="Change">Steps changing values.</param>
/// <param name="Destroy">Steps removing values.</param>
/// <param name="Live">Live steps.</param>
/// <param name="Restart">Steps waiting for the restart.</param>
/// <param name="Text">The summary line.</param>
public sealed record SummaryDocument(int Add, int Change, int Destroy, int Live, int Restart, string Text);
