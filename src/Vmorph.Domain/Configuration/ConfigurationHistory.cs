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
    IReadOnlyList<ConfigurationChange> Changes);

/// <summary>
/// The seed's <c>ConfigurationHistory</c>: every configuration a VM has had, in order, each a content-addressed version
/// with the change event between it and the one before. Recording an unchanged configuration adds nothing.
/// </summary>
public sealed record ConfigurationHistory
{
    /// <summary>A history with no versions.</summary>
    public static ConfigurationHistory Empty { get; } = new([]);

    /// <summary>Creates a history from versions in order.</summary>
    public ConfigurationHistory(ImmutableList<ConfigurationVersion> versions) => Versions = versions;

    /// <summary>The versions, oldest first.</summary>
    public ImmutableList<ConfigurationVersion> Versions { get; }

    /// <summary>The latest version, if any.</summary>
    public ConfigurationVersion? Current => Versions.IsEmpty ? null : Versions[^1];

    /// <summary>
    /// Records a configuration seen at <paramref name="at"/>. Returns the same history when it equals the current
    /// version, otherwise a history with one more version whose changes are the diff from the current one.
    /// </summary>
    public ConfigurationHistory Record(VmConfiguration configuration, DateTimeOffset at, string cause)
    {
        var hash = configuration.ContentHash();
        var current = Current;
        if (current is not null && current.ContentHash == hash) return this;
        var changes = (current?.Configuration ?? new VmConfiguration()).DiffTo(configuration);
        var version = new ConfigurationVersion((current?.Version ?? 0) + 1, hash, at, cause, configuration, changes);
        return new ConfigurationHistory(Versions.Add(version));
    }

    /// <summary>Equality by the content of the versions.</summary>
    public bool Equals(ConfigurationHistory? other) =>
        other is not null && Versions.Select(v => (v.Version, v.ContentHash)).SequenceEqual(other.Versions.Select(v => (v.Version, v.ContentHash)));

    /// <inheritdoc />
    public override int GetHashCode() => Versions.Count;
}
