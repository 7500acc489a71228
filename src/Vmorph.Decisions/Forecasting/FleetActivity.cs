using Vmorph.Identity;

namespace Vmorph.Forecasting;

/// <summary>
/// The fleet's wake-ups as a replay or the live loop goes: each VM posts its own; posts become visible to the others
/// only at <see cref="Publish"/> (the replay publishes at each time-slice boundary, so a VM deciding at time t sees
/// only wake-ups from before t, whatever the threads did). Thread-safe.
/// </summary>
public sealed class FleetActivity(PeerWakeModel model)
{
    private readonly object gate = new();
    private readonly List<(VmId Vm, long At)> posted = [];
    private readonly Dictionary<VmId, long> latest = [];

    /// <summary>The leader model.</summary>
    public PeerWakeModel Model { get; } = model;

    /// <summary>Posts a wake-up (visible after the next <see cref="Publish"/>).</summary>
    public void Post(VmId vm, long unixSeconds)
    {
        lock (gate) posted.Add((vm, unixSeconds));
    }

    /// <summary>Makes the posted wake-ups visible.</summary>
    public void Publish()
    {
        lock (gate)
        {
            foreach (var (vm, at) in posted)
                if (!latest.TryGetValue(vm, out var t) || at > t) latest[vm] = at;
            posted.Clear();
        }
    }

    /// <summary>The latest published wake-up of one of <paramref name="vm"/>'s leaders in [since, before), or null.</summary>
    public (VmId Leader, long At)? LeaderWoke(VmId vm, long since, long before)
    {
        var leaders = Model.LeadersOf(vm);
        if (leaders.Count == 0) return null;
        (VmId, long)? found = null;
        lock (gate)
        {
            foreach (var leader in leaders)
                if (latest.TryGetValue(leader, out var at) && at >= since && at < before && (found is null || at > found.Value.Item2))
                    found = (leader, at);
        }
        return found;
    }
}
