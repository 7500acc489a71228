using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Profiles;
using Vmorph.Store;

namespace Vmorph.Collection;

/// <summary>
/// The collector's working copies of profiles: loaded from the store once, folded in memory, saved once per cycle in
/// one transaction checked against the versions they were loaded at. When another writer saved a VM meanwhile (a
/// <c>vmorph consent</c>), the cycle's changes are folded again into freshly loaded profiles and saved once more.
/// </summary>
internal sealed class ProfileBook(IFleetStore store)
{
    private readonly Dictionary<VmId, Entry> entries = [];

    internal sealed class Entry(PersonalityProfile profile, long? version, RecentSamples window)
    {
        public PersonalityProfile Profile { get; } = profile;
        public long? Version { get; set; } = version;
        public RecentSamples Window { get; } = window;
    }

    /// <summary>Loads the profiles not yet cached.</summary>
    public async Task LoadAsync(IEnumerable<VmId> ids, CancellationToken cancellationToken)
    {
        var missing = ids.Where(id => !entries.ContainsKey(id)).ToList();
        if (missing.Count == 0) return;
        var stored = await store.LoadAsync(missing, cancellationToken);
        foreach (var (id, found) in stored)
        {
            var window = await store.LoadRecentAsync(id, cancellationToken) ?? new RecentSamples();
            entries[id] = new Entry(found.Profile, found.Version, window);
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to each VM's profile (created by <paramref name="create"/> when new) and saves
    /// them all in one transaction, retrying with freshly loaded profiles when another writer got there first.
    /// <paramref name="change"/> returns whether it changed anything worth saving.
    /// </summary>
    public async Task SaveAsync(
        IReadOnlyList<VmId> ids,
        Func<VmId, PersonalityProfile> create,
        Func<VmId, PersonalityProfile, RecentSamples, bool> change,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await LoadAsync(ids, cancellationToken);
            var updates = new List<ProfileUpdate>();
            var saved = new List<Entry>();
            foreach (var id in ids)
            {
                if (!entries.TryGetValue(id, out var entry)) entries[id] = entry = new Entry(create(id), null, new RecentSamples());
                var before = entry.Profile.ConfigurationHistory.Versions.Count;
                var windowBefore = entry.Window.Samples.Count > 0 ? entry.Window.Samples[^1].UnixSeconds : long.MinValue;
                if (!change(id, entry.Profile, entry.Window) && entry.Version is not null) continue;
                var windowChanged = entry.Window.Samples.Count > 0 && entry.Window.Samples[^1].UnixSeconds != windowBefore;
                updates.Add(new ProfileUpdate(entry.Profile, entry.Version, [.. entry.Profile.ConfigurationHistory.Versions.Skip(before)],
                    windowChanged || entry.Version is null ? entry.Window : null));
                saved.Add(entry);
            }
            if (updates.Count == 0) return;
            try
            {
                await store.SaveAsync(updates, null, cancellationToken);
                foreach (var entry in saved) entry.Version = entry.Version is { } v ? v + 1 : 1;
                return;
            }
            catch (ConcurrencyException) when (attempt < 3)
            {
                // The folds above went into stale copies: forget them and fold again into what the store holds now.
                foreach (var id in ids) entries.Remove(id);
            }
            catch
            {
                // Nothing was saved: the next cycle starts again from what the store holds.
                foreach (var id in ids) entries.Remove(id);
                throw;
            }
        }
    }
}
