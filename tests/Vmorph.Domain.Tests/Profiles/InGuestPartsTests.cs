using System.Text;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;

namespace Vmorph.Domain.Tests.Profiles;

public class InGuestPartsTests
{
    private static readonly byte[] Key = "test-installation-key"u8.ToArray();

    private static InventorySnapshot Snapshot(int minute, params LoginSession[] sessions) => new()
    {
        At = Samples.Monday.AddMinutes(minute),
        Processes = [new ProcessInfo(10, "httpd", minute * 0.5, 4_000_000, null, false), new ProcessInfo(11, "sh", 1, 100_000, null, true)],
        Sockets =
        [
            new SocketInfo("tcp", true, 80, null, null, "httpd"),
            new SocketInfo("tcp", false, 80, "192.0.2.7", 50123, "httpd"),
            new SocketInfo("tcp", false, 40000, "198.51.100.1", 5432, "httpd"),
        ],
        Interfaces = [new InterfaceCounters("eth0", 1000L * minute, 5000L * minute, 10L * minute, 20L * minute)],
        Sessions = sessions,
    };

    [Fact]
    public void Applications_FoldedSnapshots_CountFrequencyDurationAndCpu()
    {
        var apps = ApplicationUsageStats.Empty.Fold(Snapshot(0)).Fold(Snapshot(10)).Fold(Snapshot(20));
        var httpd = apps.Applications["httpd"];
        Assert.Equal(3, httpd.SnapshotsSeen);
        Assert.Equal(1200, httpd.RunningSeconds);
        Assert.Equal(10, httpd.CpuSeconds, 6);
        Assert.Equal(1.0, apps.Frequency("httpd"));
        Assert.Equal(3, apps.Applications["sh"].InteractiveSnapshots);
    }

    [Fact]
    public void Network_FoldedSnapshots_TellInboundFromOutboundAndHandleCounterReset()
    {
        var network = NetworkTrafficProfile.Empty.Fold(Snapshot(10)).Fold(Snapshot(20)).Fold(Snapshot(5));
        Assert.True(network.ListensOn(80));
        Assert.Equal(1, network.FanIn);
        Assert.Equal(1, network.FanOut);
        Assert.Equal(3, network.Peers["192.0.2.7"].Inbound);
        Assert.Equal(3, network.Peers["198.51.100.1"].Outbound);
        // 10 → 20 minutes adds 10 000 bytes; the drop to 5 minutes is a reset that adds 5 000, not a negative delta.
        Assert.Equal(10_000 + 5_000, network.Interfaces["eth0"].ReceivedBytes);
    }

    [Fact]
    public void UserBehavior_WithoutConsent_StaysEmpty()
    {
        var model = UserBehaviorModel.Empty.Fold(Snapshot(0, new LoginSession("alice", "pts/0", Samples.Monday, true)), Key);
        Assert.False(model.IsObserved);
    }

    [Fact]
    public void UserBehavior_WithConsent_KeepsOnlyKeyedHashesAndWithdrawDeletes()
    {
        var profile = new PersonalityProfile(new VmId("test:u"), "u", "test");
        profile.UserBehavior = profile.UserBehavior.Grant(new UserConsent("ops-ticket-42", Samples.Monday, "interactive hours"));
        profile.Fold(new InventoryObservation(profile.Id, Snapshot(0, new LoginSession("alice", "pts/0", Samples.Monday, true))), Key);
        Assert.Single(profile.UserBehavior.Users);
        Assert.Equal(1, profile.UserBehavior.Users.Values.Single().Sessions);
        var stored = Encoding.UTF8.GetString(ProfileCodec.Encode(profile));
        Assert.DoesNotContain("alice", stored, StringComparison.Ordinal);
        Assert.Contains(UserBehaviorModel.Anonymise("alice", Key), stored, StringComparison.Ordinal);

        profile.UserBehavior = UserBehaviorModel.Withdraw();
        Assert.False(profile.UserBehavior.IsObserved);
        Assert.Null(profile.UserBehavior.Consent);
    }
}
