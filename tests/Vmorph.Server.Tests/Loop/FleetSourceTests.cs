using Vmorph.Server.Loop;
using Vmorph.Server.Tests.Api;

namespace Vmorph.Server.Tests.Loop;

public sealed class FleetSourceTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-fleet-source-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void ReplayedFleet_JournalIsNotSyncedOnEveryCommit_RealFleets_Is()
    {
        var replay = FleetSource.For(new ServeOptions { DataDirectory = directory, ReplayTrace = Path.Combine(ApiFixture.Traces, "bitbrains-rnd", "2013-8"), ReplayVms = 1 });
        Assert.True(replay.Replay);
        Assert.False(replay.JournalSyncsEveryCommit);

        var live = FleetSource.For(new ServeOptions { DataDirectory = directory, HypervisorUris = [] });
        Assert.False(live.Replay);
        Assert.True(live.JournalSyncsEveryCommit);
    }
}
