using System.Collections.Immutable;

namespace Vmorph.Configuration;

/// <summary>One version of a VM's configuration, content-addressed, with the change that led to it.</summary>
/// <param name="Version">1 for the first configuration seen, then one more for each change.</param>
/// <param name="ContentHash">SHA-256 of the canonical configuration.</param>
/// <param name="ObservedAt">When the configuration was first seen.</param>
/// <param name="Cause">Why it changed, as the source tells it (a libvirt event, a periodic comparison, a trace row, a morph).</param>
/// <param name="Configuration">The configuration itself.</param>
/// <param name="Changes">The difference from the previous version (every path is added for version 1).</param>
public sealed record ConfigurationVersion(
    int Version,
    string ContentHash,
    DateTimeOffset ObservedAt,
    string Cause,
    VmConfiguration Configuration,
    IReadOnlyList<ConfigurationChange> Changes)
{
    /// <summary>The most times kept in <see cref="SeenAgain"/>: the earliest ones.</summary>
    public const int MaxSeenAgain = 32;

    /// <summary>
    /// Later times at which this configuration was observed again, oldest first, at most <see cref="MaxSeenAgain"/>:
    /// what lets a configuration observed out of order (a trace month imported late) split this version exactly where
    /// the observations say, so the history does not depend on the order observations arrive in.
    /// </summary>
    public ImmutableList<DateTimeOffset> SeenAgain { get; init; } = [];
}

/// <summary>
/// The seed's <c>ConfigurationHistory</c>: every configuration a VM has had, in order, each a content-addressed version
/// with the change event between it and the one before. Recording an unchanged configuration adds nothing.
/// </summary>
/// <remarks>
/// A history can also be only its latest version (<see cref="Latest"/>): what the decide loop holds for a VM, whose
/// older versions the store keeps. Such a history extends as the whole one does, numbering on from the versions before
/// it, and ignores an observation older than its latest version, which that version supersedes: a collector's cycle
/// that read the VM just before a morph recorded its new configuration. (The whole history would place it in the past
/// and number its versions again, which the store's appended versions cannot follow.)
/// </remarks>
public sealed record ConfigurationHistory
{
    /// <summary>A history with no versions.</summary>
    public static ConfigurationHistory Empty { get; } = new([]);

    /// <summary>Creates a history from versions in order.</summary>
    /// <param name="versions">The versions held, oldest first.</param>
    /// <param name="earlier">How many versions came before the first one held (0: the history is whole).</param>
    public ConfigurationHistory(ImmutableList<ConfigurationVersion> versions, int earlier = 0)
        : this(versions, earlier, latestOnly: earlier > 0)
    {
    }

    private ConfigurationHistory(ImmutableList<ConfigurationVersion> versions, int earlier, bool latestOnly)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(earlier);
        if (earlier > 0 && versions.IsEmpty) throw new ArgumentException("a history without its earlier versions holds its latest one", nameof(versions));
        Versions = versions;
        Earlier = earlier;
        this.latestOnly = latestOnly;
    }

    // Extended from its latest version only (see the remarks): also when no version came before it.
    private readonly bool latestOnly;

    /// <summary>The versions held, oldest first: all of them unless <see cref="Earlier"/> says some are not.</summary>
    public ImmutableList<ConfigurationVersion> Versions { get; }

    /// <summary>How many versions came before the first one held: 0 for a whole history.</summary>
    public int Earlier { get; }

    /// <summary>The latest version, if any.</summary>
    public ConfigurationVersion? Current => Versions.IsEmpty ? null : Versions[^1];

    /// <summary>
    /// This history's latest version alone: what extends it with observations in time order. It keeps no times seen
    /// again (only a whole history places observations by them). A VM's grain holds this: a long-lived VM's versions
    /// would otherwise grow without bound in memory.
    /// </summary>
    public ConfigurationHistory Latest()
    {
        if (Current is not { } current || (latestOnly && Versions.Count == 1 && current.SeenAgain.IsEmpty)) return this;
        return new ConfigurationHistory([current with { SeenAgain = [] }], Earlier + Versions.Count - 1, latestOnly: true);
    }

    /// <summary>
    /// Records a configuration seen at <paramref name="at"/>. Observations in time order (a live VM) extend the history:
    /// the same history when the configuration equals the current version (the time is kept in
    /// <see cref="ConfigurationVersion.SeenAgain"/>), otherwise one more version whose changes are the diff from the
    /// current one. An observation older than the current version (a trace month imported after a later one) is placed
    /// where its time puts it: it joins the version in force then or the next one when they hold the same
    /// configuration, otherwise it becomes a version of its own, splitting the one in force at the first time that
    /// configuration was seen again. Versions are then numbered again from 1, so the history is the same whatever the
    /// order the observations came in.
    /// </summary>
    public ConfigurationHistory Record(VmConfiguration configuration, DateTimeOffset at, string cause)
    {
        if (latestOnly && at < Versions[^1].ObservedAt) return this;
        var hash = configuration.ContentHash();
        // The version in force at 'at' (none when 'at' is before every version), and the next one.
        var inForce = Versions.FindLastIndex(v => v.ObservedAt <= at);
        if (inForce >= 0 && Versions[inForce].ContentHash == hash)
        {
            if (latestOnly) return this;
            var seen = SeenAgainAt(Versions[inForce], at);
            return ReferenceEquals(seen, Versions[inForce]) ? this : new ConfigurationHistory(Versions.SetItem(inForce, seen), Earlier, latestOnly);
        }
        var split = inForce >= 0 ? Versions[inForce] : null;
        var after = split?.SeenAgain.Where(t => t > at).ToList() ?? [];
        // Seen again after 'at' (a history made with its earlier versions left out): superseded too; never renumbered.
        if (latestOnly && after.Count > 0) return this;
        if (after.Count == 0 && inForce + 1 < Versions.Count && Versions[inForce + 1].ContentHash == hash)
        {
            var next = Versions[inForce + 1];
            return new ConfigurationHistory(Versions.SetItem(inForce + 1, SeenAgainAt(next with { ObservedAt = at, Cause = cause }, next.ObservedAt)));
        }

        // A version of its own; the version in force is split when it was seen again after 'at', its observations after
        // 'at' becoming a version of their own after this one.
        if (inForce == Versions.Count - 1 && after.Count == 0)
        {
            var changes = (split?.Configuration ?? new VmConfiguration()).DiffTo(configuration);
            return new ConfigurationHistory(Versions.Add(new ConfigurationVersion(Earlier + Versions.Count + 1, hash, at, cause, configuration, changes)), Earlier, latestOnly);
        }
        var versions = Versions.ToBuilder();
        versions.Insert(inForce + 1, new ConfigurationVersion(0, hash, at, cause, configuration, []));
        if (split is not null && after.Count > 0)
        {
            versions[inForce] = split with { SeenAgain = [.. split.SeenAgain.Where(t => t < at)] };
            versions.Insert(inForce + 2, split with { ObservedAt = after[0], SeenAgain = [.. after.Skip(1)] });
        }
        return Renumbered(versions.ToImmutable());
    }

    private static ConfigurationVersion SeenAgainAt(ConfigurationVersion version, DateTimeOffset at)
    {
        if (at <= version.ObservedAt || version.SeenAgain.Contains(at)) return version;
        // The earliest times are kept: a later one than all of those, once they are as many as kept, changes nothing.
        if (version.SeenAgain.Count >= ConfigurationVersion.MaxSeenAgain && at > version.SeenAgain[^1]) return version;
        var index = version.SeenAgain.BinarySearch(at);
        var seen = version.SeenAgain.Insert(index < 0 ? ~index : index, at);
        return version with { SeenAgain = seen.Count > ConfigurationVersion.MaxSeenAgain ? seen.RemoveAt(seen.Count - 1) : seen };
    }

    // Versions numbered 1, 2, ... in time order, each with its diff from the one before.
    private static ConfigurationHistory Renumbered(ImmutableList<ConfigurationVersion> versions)
    {
        var builder = versions.ToBuilder();
        for (var i = 0; i < builder.Count; i++)
        {
            var before = i == 0 ? new VmConfiguration() : builder[i - 1].Configuration;
            builder[i] = builder[i] with { Version = i + 1, Changes = before.DiffTo(builder[i].Configuration) };
        }
        return new ConfigurationHistory(builder.ToImmutable());
    }

    /// <summary>Equality by the content of the versions.</summary>
    public bool Equals(ConfigurationHistory? other) =>
        other is not null && Earlier == other.Earlier && Versions.Select(v => (v.Version, v.ContentHash)).SequenceEqual(other.Versions.Select(v => (v.Version, v.ContentHash)));

    /// <inheritdoc />
    public override int GetHashCode() => Earlier + Versions.Count;
}
