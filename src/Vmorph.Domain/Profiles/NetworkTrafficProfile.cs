using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>A port a VM listens on.</summary>
public sealed record ListeningPort(string Protocol, int Port, string? Process, DateTimeOffset FirstSeen, DateTimeOffset LastSeen)
{
    /// <summary>Snapshots it was listened on in, each weighted by its recency, as of <see cref="LastSeen"/>.</summary>
    public double RecentSnapshots { get; init; }
}

/// <summary>What a VM exchanges with one peer.</summary>
/// <param name="Address">The peer's address.</param>
/// <param name="Inbound">Connections observed from the peer to one of the VM's listening ports.</param>
/// <param name="Outbound">Connections observed from the VM to the peer.</param>
/// <param name="LastSeen">The latest snapshot the peer was seen in.</param>
public sealed record PeerStats(string Address, long Inbound, long Outbound, DateTimeOffset LastSeen)
{
    /// <summary>Connections with the peer, each weighted by its recency, as of <see cref="LastSeen"/>.</summary>
    public double RecentConnections { get; init; }
}

/// <summary>Cumulative traffic of one interface, with counter resets handled.</summary>
public sealed record InterfaceTraffic(string Name, long ReceivedBytes, long TransmittedBytes, long ReceivedPackets, long TransmittedPackets, InterfaceCounters Last)
{
    /// <summary>Bytes received (inbound) per hour of the day, UTC, summed over the days observed: the interface over time.</summary>
    public ImmutableArray<long> ReceivedBytesByHour { get; init; } = EmptyHours;

    /// <summary>Bytes sent (outbound) per hour of the day, UTC, summed over the days observed.</summary>
    public ImmutableArray<long> TransmittedBytesByHour { get; init; } = EmptyHours;

    private static readonly ImmutableArray<long> EmptyHours = ImmutableArray.Create(new long[24]);
}

/// <summary>
/// The seed's <c>NetworkTrafficProfile</c>: protocols and listening ports, destinations (peers with direction), bytes
/// and packets per interface over time, inbound versus outbound, fan-in and fan-out. The bandwidth over time lives in
/// <see cref="PerformanceMetrics"/> (network.receive, network.transmit). Listening ports, peers and the fan-out carry
/// recency (a snapshot's weight halves every <see cref="HalfLife"/>), so a port no longer listened on fades. Bounded to
/// <see cref="MaxPeers"/> peers (those with the most recent connections are kept).
/// </summary>
public sealed record NetworkTrafficProfile
{
    /// <summary>The most peers kept.</summary>
    public const int MaxPeers = 64;

    /// <summary>Nothing observed yet.</summary>
    public static NetworkTrafficProfile Empty { get; } = new();

    /// <summary>Snapshots folded.</summary>
    public long Snapshots { get; init; }

    /// <summary>When the latest snapshot was taken (null in a profile stored before recency was kept).</summary>
    public DateTimeOffset? LastSnapshot { get; init; }

    /// <summary>How fast recency fades: a snapshot's weight halves every half-life (the default where none was stored).</summary>
    public TimeSpan HalfLife
    {
        get => halfLife > TimeSpan.Zero ? halfLife : Recency.DefaultHalfLife;
        init => halfLife = value;
    }

    private readonly TimeSpan halfLife;

    /// <summary>Snapshots weighted by recency, as of <see cref="LastSnapshot"/>.</summary>
    public double RecentSnapshots { get; init; }

    /// <summary>The largest fan-out seen, decaying by the half-life from when it was seen, as of <see cref="LastSnapshot"/>.</summary>
    public double RecentPeakFanOut { get; init; }

    /// <summary>Ports listened on, keyed <c>tcp/80</c>.</summary>
    public ImmutableSortedDictionary<string, ListeningPort> ListeningPorts { get; init; } = ImmutableSortedDictionary<string, ListeningPort>.Empty;

    /// <summary>Peers by address.</summary>
    public ImmutableSortedDictionary<string, PeerStats> Peers { get; init; } = ImmutableSortedDictionary<string, PeerStats>.Empty;

    /// <summary>Connected sockets seen per protocol.</summary>
    public ImmutableSortedDictionary<string, long> Protocols { get; init; } = ImmutableSortedDictionary<string, long>.Empty;

    /// <summary>Interfaces by name.</summary>
    public ImmutableSortedDictionary<string, InterfaceTraffic> Interfaces { get; init; } = ImmutableSortedDictionary<string, InterfaceTraffic>.Empty;

    /// <summary>Distinct peers connecting in, at the latest snapshot.</summary>
    public int FanIn { get; init; }

    /// <summary>Distinct peers connected to, at the latest snapshot.</summary>
    public int FanOut { get; init; }

    /// <summary>The largest fan-out seen.</summary>
    public int PeakFanOut { get; init; }

    /// <summary>Whether anything was observed.</summary>
    public bool IsObserved => Snapshots > 0;

    /// <summary>Whether a port was ever listened on (any protocol).</summary>
    public bool ListensOn(int port) => ListeningPorts.Values.Any(p => p.Port == port);

    /// <summary>
    /// The recency-weighted share of snapshots in which a port was listened on (the larger over protocols), as of the
    /// latest snapshot: 1 for a port open in every snapshot, halving every half-life after it closed. A profile
    /// stored before recency was kept counts a port ever listened on as 1 at its last sighting.
    /// </summary>
    public double ListeningShare(int port)
    {
        var current = WithRecencyFromLifetime();
        if (current is not { LastSnapshot: { } last, RecentSnapshots: > 0 }) return 0;
        var best = 0.0;
        foreach (var p in current.ListeningPorts.Values)
        {
            if (p.Port == port)
                best = Math.Max(best, Math.Min(1, p.RecentSnapshots * Recency.Decay(p.LastSeen, last, HalfLife) / current.RecentSnapshots));
        }
        return best;
    }

    /// <summary>The largest fan-out seen, decayed by recency, as of the latest snapshot.</summary>
    [JsonIgnore]
    public double RecentFanOut => WithRecencyFromLifetime().RecentPeakFanOut;

    /// <summary>
    /// Recency for a profile stored before it was kept: the latest sighting of any port or peer is taken as the latest
    /// snapshot, of weight 1; a port ever listened on counts as listened on in every snapshot up to its last sighting (so
    /// it fades from there), a peer's connections as recent ones, the peak fan-out as a recent peak.
    /// </summary>
    public NetworkTrafficProfile WithRecencyFromLifetime()
    {
        if (LastSnapshot is not null || !IsObserved) return this;
        var sightings = ListeningPorts.Values.Select(p => p.LastSeen).Concat(Peers.Values.Select(p => p.LastSeen)).ToList();
        if (sightings.Count == 0) return this;
        var ports = ListeningPorts.ToBuilder();
        foreach (var (key, port) in ListeningPorts) ports[key] = port with { RecentSnapshots = 1 };
        var peers = Peers.ToBuilder();
        foreach (var (key, peer) in Peers) peers[key] = peer with { RecentConnections = peer.Inbound + peer.Outbound };
        return this with
        {
            LastSnapshot = sightings.Max(),
            RecentSnapshots = 1,
            RecentPeakFanOut = PeakFanOut,
            ListeningPorts = ports.ToImmutable(),
            Peers = peers.ToImmutable(),
        };
    }

    /// <summary>Folds one inventory snapshot.</summary>
    public NetworkTrafficProfile Fold(InventorySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return WithRecencyFromLifetime().FoldRecent(snapshot);
    }

    private NetworkTrafficProfile FoldRecent(InventorySnapshot snapshot)
    {
        var at = snapshot.At;
        var (recentSnapshots, asOf) = Recency.Add(RecentSnapshots, LastSnapshot, at, HalfLife);
        var listening = ListeningPorts.ToBuilder();
        var localListening = new HashSet<int>();
        foreach (var socket in snapshot.Sockets.Where(s => s.Listening))
        {
            localListening.Add(socket.LocalPort);
            var key = $"{socket.Protocol}/{socket.LocalPort}";
            if (listening.TryGetValue(key, out var known))
            {
                var (recent, seenAsOf) = Recency.Add(known.RecentSnapshots, known.LastSeen, at, HalfLife);
                listening[key] = known with { LastSeen = seenAsOf, RecentSnapshots = recent, Process = socket.Process ?? known.Process };
            }
            else
            {
                listening[key] = new ListeningPort(socket.Protocol, socket.LocalPort, socket.Process, at, at) { RecentSnapshots = 1 };
            }
        }

        var peers = Peers.ToBuilder();
        var protocols = Protocols.ToBuilder();
        var inboundPeers = new HashSet<string>(StringComparer.Ordinal);
        var outboundPeers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var socket in snapshot.Sockets.Where(s => !s.Listening && s.RemoteAddress is not null))
        {
            var inbound = localListening.Contains(socket.LocalPort);
            var address = socket.RemoteAddress!;
            (inbound ? inboundPeers : outboundPeers).Add(address);
            protocols[socket.Protocol] = protocols.GetValueOrDefault(socket.Protocol) + 1;
            if (peers.TryGetValue(address, out var peer))
            {
                var (recent, seenAsOf) = Recency.Add(peer.RecentConnections, peer.LastSeen, at, HalfLife);
                peers[address] = peer with { Inbound = peer.Inbound + (inbound ? 1 : 0), Outbound = peer.Outbound + (inbound ? 0 : 1), LastSeen = seenAsOf, RecentConnections = recent };
            }
            else
            {
                peers[address] = new PeerStats(address, inbound ? 1 : 0, inbound ? 0 : 1, at) { RecentConnections = 1 };
            }
        }
        // Over the bound, the peer with the fewest recent connections goes.
        while (peers.Count > MaxPeers)
            peers.Remove(peers.Values.OrderBy(p => p.RecentConnections * Recency.Decay(p.LastSeen, asOf, HalfLife)).ThenBy(p => p.LastSeen).ThenBy(p => p.Address, StringComparer.Ordinal).First().Address);

        var interfaces = Interfaces.ToBuilder();
        foreach (var counters in snapshot.Interfaces)
        {
            if (interfaces.TryGetValue(counters.Name, out var known))
            {
                var received = Delta(known.Last.ReceivedBytes, counters.ReceivedBytes);
                var sent = Delta(known.Last.TransmittedBytes, counters.TransmittedBytes);
                var hour = snapshot.At.UtcDateTime.Hour;
                var receivedByHour = known.ReceivedBytesByHour.IsDefaultOrEmpty || known.ReceivedBytesByHour.Length != 24 ? ImmutableArray.Create(new long[24]) : known.ReceivedBytesByHour;
                var sentByHour = known.TransmittedBytesByHour.IsDefaultOrEmpty || known.TransmittedBytesByHour.Length != 24 ? ImmutableArray.Create(new long[24]) : known.TransmittedBytesByHour;
                interfaces[counters.Name] = known with
                {
                    ReceivedBytes = known.ReceivedBytes + received,
                    TransmittedBytes = known.TransmittedBytes + sent,
                    ReceivedPackets = known.ReceivedPackets + Delta(known.Last.ReceivedPackets, counters.ReceivedPackets),
                    TransmittedPackets = known.TransmittedPackets + Delta(known.Last.TransmittedPackets, counters.TransmittedPackets),
                    Last = counters,
                    ReceivedBytesByHour = receivedByHour.SetItem(hour, receivedByHour[hour] + received),
                    TransmittedBytesByHour = sentByHour.SetItem(hour, sentByHour[hour] + sent),
                };
            }
            else
            {
                interfaces[counters.Name] = new InterfaceTraffic(counters.Name, 0, 0, 0, 0, counters);
            }
        }

        var peakBefore = LastSnapshot is { } last ? RecentPeakFanOut * Recency.Decay(last, asOf, HalfLife) : 0;
        var peakNow = outboundPeers.Count * Recency.Decay(at, asOf, HalfLife);
        return this with
        {
            Snapshots = Snapshots + 1,
            LastSnapshot = asOf,
            RecentSnapshots = recentSnapshots,
            RecentPeakFanOut = Math.Max(peakBefore, peakNow),
            ListeningPorts = listening.ToImmutable(),
            Peers = peers.ToImmutable(),
            Protocols = protocols.ToImmutable(),
            Interfaces = interfaces.ToImmutable(),
            FanIn = inboundPeers.Count,
            FanOut = outboundPeers.Count,
            PeakFanOut = Math.Max(PeakFanOut, outboundPeers.Count),
        };
    }

    // A counter that went down was reset (guest reboot, NIC re-added): count from zero, invent nothing in between.
    private static long Delta(long before, long after) => after >= before ? after - before : after;
}
