using System.Globalization;
using System.Net;
using Vmorph.Observations;

namespace Vmorph.Guest.Parsing;

/// <summary>One socket of <c>/proc/net/{tcp,tcp6,udp,udp6}</c>.</summary>
/// <param name="Protocol"><c>tcp</c>, <c>tcp6</c>, <c>udp</c> or <c>udp6</c>.</param>
/// <param name="LocalAddress">The local address.</param>
/// <param name="LocalPort">The local port.</param>
/// <param name="RemoteAddress">The peer's address (any-address when not connected).</param>
/// <param name="RemotePort">The peer's port (0 when not connected).</param>
/// <param name="State">The kernel's state number (0x0A: TCP LISTEN; 0x07: UDP unconnected).</param>
/// <param name="Inode">The socket's inode, to find its process.</param>
public sealed record NetSocket(string Protocol, IPAddress LocalAddress, int LocalPort, IPAddress RemoteAddress, int RemotePort, int State, long Inode)
{
    /// <summary>TCP LISTEN.</summary>
    public const int TcpListen = 0x0A;

    /// <summary>Whether it waits for peers: a TCP socket in LISTEN, or a bound UDP socket with no peer.</summary>
    public bool Listening => Protocol.StartsWith("tcp", StringComparison.Ordinal)
        ? State == TcpListen
        : RemotePort == 0 && LocalPort != 0;

    /// <summary>Whether it is (or was just) connected to a peer: established, opening, closing or in TIME_WAIT.</summary>
    public bool Connected => !Listening && RemotePort != 0 && State is 0x01 or 0x02 or 0x03 or 0x04 or 0x05 or 0x06 or 0x08 or 0x09;
}

/// <summary>Parsers of <c>/proc/net</c> text.</summary>
public static class ProcNet
{
    /// <summary>
    /// Parses <c>/proc/net/tcp</c> (or tcp6, udp, udp6): the header line is skipped, a malformed line is skipped and
    /// counted in <paramref name="malformed"/>.
    /// </summary>
    public static IReadOnlyList<NetSocket> ParseSockets(string text, string protocol, out int malformed)
    {
        var sockets = new List<NetSocket>();
        malformed = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("sl", StringComparison.Ordinal)) continue;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || !TryEndpoint(f[1], out var local, out var localPort) || !TryEndpoint(f[2], out var remote, out var remotePort)
                || !int.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var state)
                || !long.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            {
                malformed++;
                continue;
            }
            sockets.Add(new NetSocket(protocol, local, localPort, remote, remotePort, state, inode));
        }
        return sockets;
    }

    // "0100007F:0050": the address as the kernel stores it (32-bit words in host order, little-endian here), the port in hex.
    private static bool TryEndpoint(string text, out IPAddress address, out int port)
    {
        address = IPAddress.None;
        port = 0;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out port)) return false;
        var hex = text.AsSpan(0, colon);
        if (hex.Length is not (8 or 32)) return false;
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < hex.Length / 8; word++)
        {
            if (!uint.TryParse(hex.Slice(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)) return false;
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
            if (!BitConverter.IsLittleEndian) bytes.AsSpan(word * 4, 4).Reverse();
        }
        address = new IPAddress(bytes);
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return true;
    }

    /// <summary>Parses <c>/proc/net/dev</c>: cumulative bytes and packets per interface.</summary>
    public static IReadOnlyList<InterfaceCounters> ParseDev(string text, out int malformed)
    {
        var interfaces = new List<InterfaceCounters>();
        malformed = 0;
        foreach (var raw in text.Split('\n'))
        {
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || raw.Contains('|', StringComparison.Ordinal)) continue;
            var name = raw[..colon].Trim();
            var f = raw[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (name.Length == 0 || f.Length < 16 || !long.TryParse(f[0], CultureInfo.InvariantCulture, out var rxBytes)
                || !long.TryParse(f[1], CultureInfo.InvariantCulture, out var rxPackets) || !long.TryParse(f[8], CultureInfo.InvariantCulture, out var txBytes)
                || !long.TryParse(f[9], CultureInfo.InvariantCulture, out var txPackets))
            {
                malformed++;
                continue;
            }
            interfaces.Add(new InterfaceCounters(name, rxBytes, txBytes, rxPackets, txPackets));
        }
        return interfaces;
    }

    /// <summary>Parses <c>/proc/meminfo</c> into kibibytes by field name.</summary>
    public static IReadOnlyDictionary<string, long> ParseMemInfo(string text)
    {
        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var value = raw[(colon + 1)..].Trim();
            if (value.EndsWith(" kB", StringComparison.Ordinal)) value = value[..^3];
            if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) fields[raw[..colon].Trim()] = v;
        }
        return fields;
    }
}
