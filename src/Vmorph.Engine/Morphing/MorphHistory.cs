using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Profiles;
using Vmorph.Store;

namespace Vmorph.Morphing;

/// <summary>
/// Writes what morphs do into the VM's <see cref="ConfigurationHistory"/> in the fleet store (the seed's
/// <c>RollbackMechanism</c> as version control): the configuration a morph starts from when the history does not have
/// it yet, and the configuration it commits, with the cause <c>morph ID to PROFILE</c>. Retries when the collector
/// saved the same VM meanwhile (optimistic concurrency), so neither loses the other's work.
/// </summary>
internal sealed class MorphHistory(IFleetStore store, TimeProvider clock, string source)
{
    /// <summary>The VM's history (empty when the store does not have the VM), read without its profile.</summary>
    public Task<ConfigurationHistory> LoadAsync(VmId vm, CancellationToken cancellationToken) => store.LoadHistoryAsync(vm, cancellationToken);

    /// <summary>
    /// Records <paramref name="configuration"/> as the VM's current version with <paramref name="cause"/> (nothing when
    /// it is the current version already) and returns the version it has in the history.
    /// </summary>
    public async Task<int> RecordAsync(VmId vm, string name, VmConfiguration configuration, string cause, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var loaded = await store.LoadAsync([vm], cancellationToken);
            var stored = loaded.GetValueOrDefault(vm);
            var profile = stored?.Profile ?? new PersonalityProfile(vm, name, source);
            var before = profile.ConfigurationHistory.Versions.Count;
            profile.ConfigurationHistory = profile.ConfigurationHistory.Record(configuration, clock.GetUtcNow(), cause);
            var added = profile.ConfigurationHistory.Versions.Skip(before).ToList();
            if (added.Count == 0) return profile.ConfigurationHistory.Current!.Version;
            try
            {
                await store.SaveAsync([new ProfileUpdate(profile, stored?.Version, added, null)], null, cancellationToken);
                return added[^1].Version;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                // The collector saved this VM meanwhile: record again on top of what it saved.
            }
        }
    }
}
