using Vmorph.Guard;
using Vmorph.Identity;
using Vmorph.Morphs;

namespace Vmorph.Morphing;

/// <summary>What a morph does: carry out a plan to a target profile, or return to a committed configuration version.</summary>
public enum MorphKind
{
    /// <summary><c>vmorph apply</c>: to a target profile.</summary>
    Apply,
    /// <summary><c>vmorph rollback</c>: back to a committed configuration version.</summary>
    Rollback,
}

/// <summary>
/// One morph as the store keeps it beside its journal: the plan it carries out (as the plan file's JSON, so it can be
/// re-read exactly after a crash), where it is, and what it measured and decided.
/// </summary>
public sealed record MorphRecord
{
    /// <summary>The morph's id (it names the snapshot: <c>vmorph-ID</c>).</summary>
    public required string MorphId { get; init; }

    /// <summary>The VM.</summary>
    public required VmId Vm { get; init; }

    /// <summary>The VM's name when the morph was made.</summary>
    public required string VmName { get; init; }

    /// <summary>Apply or rollback.</summary>
    public required MorphKind Kind { get; init; }

    /// <summary>The target: a profile name, or <c>configuration vN</c> for a rollback.</summary>
    public required string Target { get; init; }

    /// <summary>The plan's id.</summary>
    public required string PlanId { get; init; }

    /// <summary>The plan as its plan-file JSON (<see cref="Planning.PlanFile.Save"/>).</summary>
    public required string PlanJson { get; init; }

    /// <summary>When the morph was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The engine instance that created it (host, process).</summary>
    public required string Owner { get; init; }

    /// <summary>The phase of its last journal entry.</summary>
    public MorphPhase Phase { get; init; } = MorphPhase.Planned;

    /// <summary>The sequence of its last journal entry.</summary>
    public long LastSequence { get; init; }

    /// <summary>Whether its last entry is terminal and its clean-up ran (nothing more happens without a person).</summary>
    public bool Finished { get; init; }

    /// <summary>When its last entry was written.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The guard's baseline, sampled before the first change.</summary>
    public MorphBaseline? Baseline { get; init; }

    /// <summary>The guard's verdict and its numbers, once given.</summary>
    public GuardVerdict? Verdict { get; init; }

    /// <summary>What reverting the snapshot discarded, when it was reverted.</summary>
    public string? Discarded { get; init; }

    /// <summary>The configuration version recorded when it committed.</summary>
    public int? CommittedVersion { get; init; }

    /// <summary>Notes kept with the morph, one per line: why it was made (the loop: its trigger and reason), parts of the target left out for this guest.</summary>
    public string? Notes { get; init; }
}

/// <summary>The guard's samples from before a morph, and how the observation after it samples (so a recovered morph observes the same way).</summary>
/// <param name="From">When sampling began.</param>
/// <param name="To">When it ended.</param>
/// <param name="SampleInterval">Time between two samples.</param>
/// <param name="Samples">The samples.</param>
/// <param name="Probes">The health probes, if a probe was configured.</param>
/// <param name="Probe">The probe's <see cref="IHealthProbe.Address"/>, so a recovered morph probes the same way; null without a probe or when its address is not stored.</param>
public sealed record MorphBaseline(DateTimeOffset From, DateTimeOffset To, TimeSpan SampleInterval, IReadOnlyList<GuardSample> Samples, IReadOnlyList<ProbeResult> Probes, string? Probe = null);

/// <summary>Another engine wrote first: the journal entry's sequence or the lease's version did not match.</summary>
public sealed class JournalConflictException(string message) : Exception(message);

/// <summary>
/// The store port of morphs: their records, their journals (appended with a sequence check: an entry's sequence must
/// be the last one's + 1, so two engines cannot both advance a morph), and one lease per VM written with
/// compare-and-swap on its version, so that exactly one morph per VM runs at a time across processes and hosts.
/// </summary>
public interface IMorphJournal : IDisposable
{
    /// <summary>Where the journal is (a path).</summary>
    string Location { get; }

    /// <summary>Creates a morph with its first journal entry, in one transaction; a morph of that id existing already is a <see cref="JournalConflictException"/>.</summary>
    Task CreateAsync(MorphRecord morph, MorphJournalEntry first, CancellationToken cancellationToken);

    /// <summary>
    /// Appends an entry, durably, before its actions run. Throws <see cref="JournalConflictException"/> when the
    /// journal's last sequence is not <c>entry.Sequence - 1</c>.
    /// </summary>
    Task AppendAsync(MorphJournalEntry entry, CancellationToken cancellationToken);

    /// <summary>A morph by id (or a unique prefix of one), or null.</summary>
    Task<MorphRecord?> FindAsync(string morphId, CancellationToken cancellationToken);

    /// <summary>A morph's journal, in order.</summary>
    Task<IReadOnlyList<MorphJournalEntry>> ReadAsync(string morphId, CancellationToken cancellationToken);

    /// <summary>The morphs of a VM, oldest first.</summary>
    Task<IReadOnlyList<MorphRecord>> ListAsync(VmId vm, CancellationToken cancellationToken);

    /// <summary>Every morph whose last entry is not final (not terminal, or terminal without its clean-up), oldest first.</summary>
    Task<IReadOnlyList<MorphRecord>> UnfinishedAsync(CancellationToken cancellationToken);

    /// <summary>Stores the guard's baseline with the morph.</summary>
    Task SetBaselineAsync(string morphId, MorphBaseline baseline, CancellationToken cancellationToken);

    /// <summary>Stores the guard's verdict with the morph.</summary>
    Task SetVerdictAsync(string morphId, GuardVerdict verdict, CancellationToken cancellationToken);

    /// <summary>Stores what a snapshot revert discarded.</summary>
    Task SetDiscardedAsync(string morphId, string discarded, CancellationToken cancellationToken);

    /// <summary>Stores the configuration version recorded at the commit.</summary>
    Task SetCommittedVersionAsync(string morphId, int version, CancellationToken cancellationToken);

    /// <summary>The VM's lease, or null when no morph holds it.</summary>
    Task<MorphLease?> LeaseAsync(VmId vm, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="lease"/> if the stored lease's version is <paramref name="expectedVersion"/> (null: only
    /// if the VM has no lease). False when someone else wrote first.
    /// </summary>
    Task<bool> TryWriteLeaseAsync(MorphLease lease, long? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the VM's lease if it is at <paramref name="expectedVersion"/> and held by <paramref name="morphId"/>. False otherwise.</summary>
    Task<bool> TryDeleteLeaseAsync(VmId vm, string morphId, long expectedVersion, CancellationToken cancellationToken);
}
