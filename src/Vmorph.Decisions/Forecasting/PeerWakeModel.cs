using Vmorph.Identity;

namespace Vmorph.Forecasting;

/// <summary>
/// Which VMs wake up before which: a fleet-level forecast. A VM wakes up when, after at least <see cref="Quiet"/> below
/// the wake share of its 7-day peak, its CPU reaches that share. Learned from training history: B leads A when at
/// least a third of A's wake-ups came 5 minutes to <see cref="Lead"/> after one of B's, and at least half of B's
/// wake-ups were followed by one of A's within <see cref="Lead"/> (batch jobs that fan out over several VMs). At run
/// time, a leader's wake-up lets A grow before its own load arrives. Immutable.
/// </summary>
public sealed class PeerWakeModel
{
    /// <summary>How long a VM must have been quiet for a rise to count as waking up.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromHours(6);

    /// <summary>The longest lead a leader's wake-up may have.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromMinutes(150);

    private const double MinRecall = 1.0 / 3;
    private const double MinPrecision = 0.5;
    private readonly Dictionary<VmId, VmId[]> leaders;

    private PeerWakeModel(Dictionary<VmId, VmId[]> leaders) => this.leaders = leaders;

    /// <summary>A model with no leaders.</summary>
    public static PeerWakeModel Empty { get; } = new([]);

    /// <summary>The leaders of a VM (empty if none).</summary>
    public IReadOnlyList<VmId> LeadersOf(VmId vm) => leaders.TryGetValue(vm, out var l) ? l : [];

    /// <summary>VMs that have at least one leader.</summary>
    public int Followers => leaders.Count;

    /// <summary>The wake-up times of one VM's history (CPU in cores), for the wake share of its 7-day peak.</summary>
    public static List<long> WakeUps(ReadOnlySpan<long> unixSeconds, ReadOnlySpan<double> cores, double wakeShare)
    {
        var result = new List<long>();
        var detector = new WakeDetector(wakeShare);
        for (var i = 0; i < unixSeconds.Length; i++)
            if (detector.Add(unixSeconds[i], cores[i])) result.Add(unixSeconds[i]);
        return result;
    }

    /// <summary>Learns leaders from the VMs' training histories.</summary>
    public static PeerWakeModel Learn(IReadOnlyDictionary<VmId, (long[] UnixSeconds, double[] Cores)> histories, double wakeShare)
    {
        var wakes = histories.ToDictionary(h => h.Key, h => WakeUps(h.Value.UnixSeconds, h.Value.Cores, wakeShare).ToArray());
        var lead = (long)Lead.TotalSeconds;
        var result = new Dictionary<VmId, VmId[]>();
        foreach (var (a, aw) in wakes.OrderBy(w => w.Key.Value, StringComparer.Ordinal))
        {
            if (aw.Length < 2) continue;
            var found = new List<VmId>();
            foreach (var (b, bw) in wakes.OrderBy(w => w.Key.Value, StringComparer.Ordinal))
            {
                if (b == a || bw.Length < 2) continue;
                var recall = aw.Count(ta => bw.Any(tb => ta - tb >= 300 && ta - tb <= lead)) / (double)aw.Length;
                if (recall < MinRecall) continue;
                var precision = bw.Count(tb => aw.Any(ta => ta - tb >= 0 && ta - tb <= lead)) / (double)bw.Length;
                if (precision >= MinPrecision) found.Add(b);
            }
            if (found.Count > 0) result[a] = [.. found];
        }
        return new PeerWakeModel(result);
    }
}
