using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Import;
using Vmorph.Observations;
using Vmorph.Profiles;

namespace Vmorph.Store;

/// <summary>A VM as the fleet list shows it.</summary>
public sealed record VmSummary(VmId Id, string Name, string Source, long Samples, DateTimeOffset? LastSample, int ConfigurationVersions);

/// <summary>A stored profile with the version the store holds it at (for optimistic concurrency).</summary>
public sealed record StoredProfile(PersonalityProfile Profile, long Version);

/// <summary>A trace file that was imported.</summary>
/// <param name="Sha256">The file's content hash: the same bytes are never imported twice.</param>
/// <param name="Path">The path it was imported from.</param>
/// <param name="Format">The format detected.</param>
/// <param name="Rows">Data rows read.</param>
/// <param name="MissingRows">Rows marking missing data.</param>
/// <param name="SkippedRows">Malformed rows skipped.</param>
/// <param name="Vms">VMs the file holds.</param>
/// <param name="ImportedAt">When it was imported.</param>
public sealed record ImportRecord(string Sha256, string Path, string Format, long Rows, long MissingRows, long SkippedRows, int Vms, DateTimeOffset ImportedAt);

/// <summary>One VM's new state, written with others in one transaction.</summary>
/// <param name="Profile">The profile to save (its configuration history included).</param>
/// <param name="ExpectedVersion">The version it was loaded at, or null for a new VM: a mismatch fails the whole write.</param>
/// <param name="NewConfigurationVersions">Configuration versions added since it was loaded.</param>
/// <param name="Recent">The whole raw window, written in place of the stored one, or null to leave it as it is (or add <see cref="ProfileUpdate.Appended"/> to it).</param>
public sealed record ProfileUpdate(PersonalityProfile Profile, long? ExpectedVersion, IReadOnlyList<ConfigurationVersion> NewConfigurationVersions, RecentSamples? Recent)
{
    /// <summary>
    /// The profile and raw window already encoded, when the writer encoded them off the store's thread (the import
    /// does); the store then writes these bytes and figures instead of encoding <see cref="Profile"/>, which may have
    /// moved on since.
    /// </summary>
    public EncodedProfile? Encoded { get; init; }

    /// <summary>
    /// Whether the whole configuration history is written again in place of the stored one (an import that placed an
    /// observation out of order renumbers versions, or saw a version again) rather than only
    /// <see cref="NewConfigurationVersions"/> appended. The profile's history must then be whole
    /// (<see cref="Vmorph.Configuration.ConfigurationHistory.Earlier"/> 0): the store refuses to lose versions.
    /// </summary>
    public bool ReplaceConfigurationHistory { get; init; }

    /// <summary>The VM's imported spans after this update, or null to leave them as they are.</summary>
    public ImportedSpans? Spans { get; init; }

    /// <summary>
    /// Samples newer than the stored raw window's, added to it without writing it again (the decide loop's new sample
    /// each cycle); ignored when <see cref="Recent"/> is given. The store keeps the newest of the window's capacity.
    /// </summary>
    public IReadOnlyList<MetricSample> Appended { get; init; } = [];

    /// <summary>
    /// Whether the store writes the VM's raw window whole again after <see cref="Appended"/>, with what was appended to
    /// it, keeping the newest of its capacity: what bounds the appended samples (the loop asks once a day).
    /// </summary>
    public bool CompactWindow { get; init; }

    /// <summary>
    /// Whether only <see cref="Appended"/> is written, under the version check, and the stored profile document and
    /// version are left as they were: the decide loop writes the document every few cycles, not with every sample.
    /// Nothing is lost: loading a profile folds the appended samples newer than its document again, and the fleet list
    /// counts them. Not for a new VM, a new configuration version, spans, a whole window or a compaction, which all
    /// need the document.
    /// </summary>
    public bool SamplesOnly { get; init; }
}

/// <summary>A profile as encoded at one moment: its document (null when only samples are saved), its raw window, and the figures the fleet list shows.</summary>
public sealed record EncodedProfile(byte[]? Document, byte[]? Recent, long Samples, long? LastSample)
{
    /// <summary>The samples appended to the stored raw window (<see cref="ProfileUpdate.Appended"/>), each encoded by <see cref="RecentSamples.EncodeSample"/>.</summary>
    public IReadOnlyList<(long UnixSeconds, byte[] Record)> Appended { get; init; } = [];

    /// <summary>Encodes a profile, its window (or the samples appended to the stored one) now.</summary>
    public static EncodedProfile Of(PersonalityProfile profile, RecentSamples? recent, IReadOnlyList<MetricSample>? appended = null) =>
        new(ProfileCodec.Encode(profile), recent?.Encode(), profile.Performance.Samples, profile.Performance.LastUnixSeconds)
        {
            Appended = recent is null && appended is { Count: > 0 } ? [.. appended.Select(s => (s.UnixSeconds, RecentSamples.EncodeSample(s)))] : [],
        };

    /// <summary>Encodes only the samples appended to the stored raw window, and the figures, for a <see cref="ProfileUpdate.SamplesOnly"/> save.</summary>
    public static EncodedProfile SamplesOf(PersonalityProfile profile, IReadOnlyList<MetricSample> appended)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(appended);
        return new(null, null, profile.Performance.Samples, profile.Performance.LastUnixSeconds)
        {
            Appended = [.. appended.Select(s => (s.UnixSeconds, RecentSamples.EncodeSample(s)))],
        };
    }
}

/// <summary>The store changed under a writer: another process saved the same VM first.</summary>
public sealed class ConcurrencyException(string message) : Exception(message);

/// <summary>
/// Where profiles, configuration history and raw windows live (SQLite by default, PostgreSQL for fleets). Writes of
/// several VMs happen in one transaction, checked against the versions they were read at, so concurrent writers never
/// lose each other's work.
/// </summary>
public interface IFleetStore : IDisposable
{
    /// <summary>Where the store is (a path or a connection description without secrets).</summary>
    string Location { get; }

    /// <summary>Every VM, by name.</summary>
    Task<IReadOnlyList<VmSummary>> ListAsync(CancellationToken cancellationToken);

    /// <summary>A VM by id or, failing that, by name; null if neither matches.</summary>
    Task<StoredProfile?> FindAsync(string idOrName, CancellationToken cancellationToken);

    /// <summary>
    /// Loads profiles by id (with their configuration history; the samples appended to the raw window after the
    /// profile's document was written are folded into it again); absent ids are left out.
    /// </summary>
    Task<IReadOnlyDictionary<VmId, StoredProfile>> LoadAsync(IEnumerable<VmId> ids, CancellationToken cancellationToken);

    /// <summary>The raw window of a VM (the one written last, with the samples appended since), or null.</summary>
    Task<RecentSamples?> LoadRecentAsync(VmId id, CancellationToken cancellationToken);

    /// <summary>
    /// A VM's configuration history alone, as <see cref="LoadAsync"/> gives it with the profile (empty for a VM the
    /// store does not have): for a reader that needs no profile (a morph checking the configuration it starts from).
    /// </summary>
    Task<ConfigurationHistory> LoadHistoryAsync(VmId id, CancellationToken cancellationToken);

    /// <summary>The spans of time whose samples of a VM were imported (none for a VM never imported).</summary>
    Task<ImportedSpans> LoadSpansAsync(VmId id, CancellationToken cancellationToken);

    /// <summary>Whether a file with this content hash was imported.</summary>
    Task<ImportRecord?> FindImportAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>The version a profile has after a successful save: 1 for a new VM, one more than expected otherwise.</summary>
    static long VersionAfterSave(long? expectedVersion) => (expectedVersion ?? 0) + 1;

    /// <summary>
    /// Saves profile updates, and the import record if given, in one transaction. Each saved profile's version becomes
    /// <see cref="VersionAfterSave"/> (a <see cref="ProfileUpdate.SamplesOnly"/> update leaves it); a profile whose
    /// stored version is not the expected one fails the whole save with <see cref="ConcurrencyException"/>.
    /// </summary>
    Task SaveAsync(IReadOnlyList<ProfileUpdate> updates, ImportRecord? import, CancellationToken cancellationToken);
}
