using System.Net;
using Vmorph.Guest.Parsing;

namespace Vmorph.Guest.Tests.Parsing;

public class ProcNetTests
{
    private static readonly string Host = Sample.Read("inventory-host.txt");

    [Fact]
    public void ParseSockets_RealTcp_ReadsListeningAndEstablishedWithAddresses()
    {
        var sockets = ProcNet.ParseSockets(Sample.Section(Host, "tcp"), "tcp", out var malformed);
        Assert.Equal(0, malformed);
        var listener = sockets.Single(s => s.LocalPort == 5432 && s.Listening);
        Assert.Equal(IPAddress.Loopback, listener.LocalAddress);
        Assert.Equal(203029, listener.Inode);
        var client = sockets.Single(s => s.RemotePort == 5432);
        Assert.True(client.Connected);
        Assert.Equal(IPAddress.Loopback, client.RemoteAddress);
        Assert.Equal(0xE0BE, client.LocalPort);
    }

    [Fact]
    public void ParseSockets_RealTcp6_ReadsLoopbackV6()
    {
        var sockets = ProcNet.ParseSockets(Sample.Section(Host, "tcp6"), "tcp6", out _);
        var listener = sockets.Single(s => s.Listening);
        Assert.Equal(8080, listener.LocalPort);
        Assert.Equal(IPAddress.IPv6Loopback, listener.LocalAddress);
        Assert.Equal(2, sockets.Count(s => s.Connected));
    }

    [Fact]
    public void ParseSockets_Ipv4MappedPeer_IsShownAsIpv4()
    {
        var line = "   0: 0000000000000000FFFF00000F02000A:0050 0000000000000000FFFF00000702000A:C350 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0 20 4 30 10 -1";
        var socket = ProcNet.ParseSockets(line, "tcp6", out _).Single();
        Assert.Equal("10.0.2.15", socket.LocalAddress.ToString());
        Assert.Equal("10.0.2.7", socket.RemoteAddress.ToString());
    }

    [Fact]
    public void ParseSockets_RealUdp_BoundSocketListens()
    {
        var socket = ProcNet.ParseSockets(Sample.Section(Host, "udp"), "udp", out _).Single();
        Assert.True(socket.Listening);
        Assert.Equal(5353, socket.LocalPort);
    }

    [Fact]
    public void ParseSockets_MalformedLines_AreCountedNotGuessed()
    {
        var sockets = ProcNet.ParseSockets("  sl local\n   0: ZZZZ:0050 00000000:0000 0A\n   1: 0100007F:0016 00000000:0000 0A 0:0 0:0 0 0 0 99 1\n", "tcp", out var malformed);
        Assert.Single(sockets);
        Assert.Equal(1, malformed);
    }

    [Fact]
    public void ParseDev_RealGuest_ReadsCountersPerInterface()
    {
        var interfaces = ProcNet.ParseDev(Sample.Section(Sample.Read("inventory-lab-guest.txt"), "netdev"), out var malformed);
        Assert.Equal(0, malformed);
        Assert.Equal(["lo", "eth0"], interfaces.Select(i => i.Name));
    }

    [Fact]
    public void ParseDev_NumbersGluedToTheName_AreRead()
    {
        var interfaces = ProcNet.ParseDev("  eth0:123456789012 77 0 0 0 0 0 0 98765 66 0 0 0 0 0 0\n", out _);
        var eth0 = interfaces.Single();
        Assert.Equal(123456789012, eth0.ReceivedBytes);
        Assert.Equal(77, eth0.ReceivedPackets);
        Assert.Equal(98765, eth0.TransmittedBytes);
        Assert.Equal(66, eth0.TransmittedPackets);
    }

    [Fact]
    public void ParseMemInfo_RealGuest_ReadsKibibytes()
    {
        var memory = ProcNet.ParseMemInfo(Sample.Section(Sample.Read("inventory-lab-guest.txt"), "meminfo"));
        Assert.True(memory["MemTotal"] > 100_000);
        Assert.True(memory["MemAvailable"] <= memory["MemTotal"]);
    }
}
