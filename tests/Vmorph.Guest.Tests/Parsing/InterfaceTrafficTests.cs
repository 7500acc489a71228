using Vmorph.Observations;
using Vmorph.Profiles;

namespace Vmorph.Guest.Tests.Parsing;

public class InterfaceTrafficTests
{
    private static InventorySnapshot At(int hour, long rx, long tx) => new()
    {
        At = new DateTimeOffset(2026, 11, 24, hour, 0, 0, TimeSpan.Zero),
        Interfaces = [new InterfaceCounters("eth0", rx, tx, rx / 100, tx / 100)],
    };

    [Fact]
    public void Fold_CountersOverTheDay_AreSplitByHourAndDirection()
    {
        var network = NetworkTrafficProfile.Empty.Fold(At(9, 1000, 100)).Fold(At(10, 5000, 300)).Fold(At(11, 400, 50));
        var eth0 = network.Interfaces["eth0"];
        Assert.Equal(4000, eth0.ReceivedBytesByHour[10]);
        Assert.Equal(200, eth0.TransmittedBytesByHour[10]);
        // 11:00: the counters went back (the guest rebooted): what was counted since is taken, nothing is made up.
        Assert.Equal(400, eth0.ReceivedBytesByHour[11]);
        Assert.Equal(4400, eth0.ReceivedBytes);
        Assert.Equal(0, eth0.ReceivedBytesByHour[9]);
    }

    [Fact]
    public void Profile_WithHourlyTraffic_SurvivesTheStoreCodec()
    {
        var profile = new PersonalityProfile(new Identity.VmId("codec-test"), "codec-test", "test");
        profile.Fold(new InventoryObservation(profile.Id, At(9, 1000, 100)));
        profile.Fold(new InventoryObservation(profile.Id, At(10, 5000, 300)));
        var back = ProfileCodec.Decode(ProfileCodec.Encode(profile));
        Assert.Equal(4000, back.Network.Interfaces["eth0"].ReceivedBytesByHour[10]);
    }
}
