using System.Collections.Immutable;
using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>A port a VM listens on.</summary>
public sealed record ListeningPort(string Protocol, int Port, string? Process, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>What a VM exchanges with one peer.</summary>
/// <param name="Address">The peer's address.</param>
/// <param name="Inbound">Connections observed from the peer to one of the VM's listening ports.</param>
/// <param name="Outbound">Connections observed from the VM to the peer.</param>
/// <param name="LastSeen">The latest snapshot the peer was seen in.</param>
public sealed record PeerStats(string Address, long Inbound, long Outbound, DateTimeOffset LastSeen);

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
/// <see cref="PerformanceMetrics"/> (network.receive, network.transmit). Bounded to <see cref="MaxPeers"/> peers.
/// </summary>
public sealed record NetworkTrafficProfile
{
    /// <summary>The most peers kept.</summary>
    public const int MaxPeers = 64;

    /// <summary>Nothing observed yet.</summary>
    public static NetworkTrafficProfile Empty { get; } = new();

    /// <summary>Snapshots folded.</summary>
    public long Snapshots { get; init; }

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

    /// <summary>Whether a port is listened on (any protocol).</summary>
    public bool ListensOn(int port) => ListeningPorts.Values.Any(p => p.Port == port);

    /// <summary>Folds one inventory snapshot.</summary>
    public NetworkTrafficProfile Fold(InventorySnapshot snapshot)
    {
        var listening = ListeningPorts.ToBuilder();
        var localListening = new HashSet<int>();
        foreach (var socket in snapshot.Sockets.Where(s => s.Listening))
        {
            localListening.Add(socket.LocalPort);
            var key = $"{socket.Protocol}/{socket.LocalPort}";
            listening[key] = listening.TryGetValue(key, out var known)
                ? known with { LastSeen = snapshot.At, Process = socket.Process ?? known.Process }
                : new ListeningPort(socket.Protocol, socket.LocalPort, socket.Process, snapshot.At, snapshot.At);
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
            peers[address] = peers.TryGetValue(address, out var peer)
                ? peer with { Inbound = peer.Inbound + (inbound ? 1 : 0), Outbound = peer.Outbound + (inbound ? 0 : 1), LastSeen = snapshot.At }
                : new PeerStats(address, inbound ? 1 : 0, inbound ? 0 : 1, snapshot.At);
        }
        while (peers.Count > MaxPeers)
            peers.Remove(peers.Values.OrderBy(p => p.Inbound + p.Outbound).ThenBy(p => p.LastSeen).First().Address);

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

        return this with
        {
            Snapshots = Snapshots + 1,
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
