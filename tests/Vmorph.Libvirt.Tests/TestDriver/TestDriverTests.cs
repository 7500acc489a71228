using Vmorph.Collection;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Libvirt.Tests.TestDriver;

/// <summary>
/// Call plumbing against libvirt's test:///default driver (a mock hypervisor inside the client library: one running
/// domain "test", no guest agent, statistics with state fields only). It does not replace the lab tests.
/// </summary>
public sealed class TestDriverTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-testdriver-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Describe_TestDriver_ListsItsDomainWithConfiguration()
    {
        await using var session = await new LibvirtHypervisor(TimeProvider.System).ConnectAsync("test:///default", CancellationToken.None);
        var domain = Assert.Single(await session.DescribeDomainsAsync(CancellationToken.None));
        Assert.Equal("test", domain.Name);
        Assert.Equal(DomainState.Running, domain.State);
        Assert.Equal("6695eb01-f6a4-8304-79aa-97f2502e193f", domain.Id.Value);
        Assert.Equal(2, domain.Configuration.Vcpus);
        Assert.NotNull(domain.Configuration.Memory);
        Assert.Equal(GuestAgentState.None, domain.GuestAgent);
        var counters = Assert.Single(await session.ReadCountersAsync(CancellationToken.None));
        Assert.Equal(domain.Id, counters.Vm);
        Assert.Equal(DomainState.Running, counters.State);
    }

    [Fact]
    public async Task Connect_UnreachableUri_SaysWhichUriAndWhy()
    {
        var e = await Assert.ThrowsAsync<HypervisorUnavailableException>(() =>
            new LibvirtHypervisor(TimeProvider.System).ConnectAsync("qemu+unix:///system?socket=/nonexistent/libvirt-sock", CancellationToken.None));
        Assert.StartsWith("cannot connect to qemu+unix:///system?socket=/nonexistent/libvirt-sock: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/libvirt-sock", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collect_DomainWithoutGuestAgent_StoresTheHypervisorViewAndSaysTheGuestViewIsMissing()
    {
        using var store = SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), TimeProvider.System);
        await using var collector = new Collector(new LibvirtHypervisor(TimeProvider.System), store, TimeProvider.System,
            new CollectorOptions { Uri = "test:///default", SampleWindow = TimeSpan.Zero }, new byte[32]);
        var vm = Assert.Single((await collector.CollectOnceAsync(CancellationToken.None)).Vms);
        Assert.Equal(1, vm.ConfigurationVersion);
        Assert.Equal("test: the domain has no QEMU guest agent channel (org.qemu.guest_agent.0): add one and run qemu-ga in the guest to see it from inside", vm.GuestMissing);
        Assert.Null(vm.Inventory);
        var profile = (await store.FindAsync("test", CancellationToken.None))!.Profile;
        Assert.Equal("libvirt:test:///default", profile.Source);
        Assert.Equal(vm.GuestMissing, profile.GuestViewMissing);
        Assert.False(profile.Applications.IsObserved);
        Assert.Single(profile.ConfigurationHistory.Versions);
    }

    [Fact]
    public async Task Collect_AfterAMorphRecordedGuestSettings_KeepsThemAndAddsNoVersion()
    {
        using var store = SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), TimeProvider.System);
        await using var collector = new Collector(new LibvirtHypervisor(TimeProvider.System), store, TimeProvider.System,
            new CollectorOptions { Uri = "test:///default", SampleWindow = TimeSpan.Zero }, new byte[32]);
        await collector.CollectOnceAsync(CancellationToken.None);

        // What a morph commits: the hypervisor's view plus the guest settings it changed, which libvirt never sees.
        var stored = (await store.FindAsync("test", CancellationToken.None))!;
        var morphed = stored.Profile.ConfigurationHistory.Current!.Configuration with
        {
            Guest = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("sysctl.net.core.somaxconn", "4096"),
        };
        stored.Profile.ConfigurationHistory = stored.Profile.ConfigurationHistory.Record(morphed, TimeProvider.System.GetUtcNow(), "morph m-1 to web-server");
        await store.SaveAsync([new Vmorph.Store.ProfileUpdate(stored.Profile, stored.Version, [stored.Profile.ConfigurationHistory.Current!], null)], null, CancellationToken.None);

        // A collector started afterwards (the next `vmorph collect`) reads the history from the store.
        await using var later = new Collector(new LibvirtHypervisor(TimeProvider.System), store, TimeProvider.System,
            new CollectorOptions { Uri = "test:///default", SampleWindow = TimeSpan.Zero }, new byte[32]);
        var next = Assert.Single((await later.CollectOnceAsync(CancellationToken.None)).Vms);
        Assert.Null(next.NewVersion);
        var history = (await store.FindAsync("test", CancellationToken.None))!.Profile.ConfigurationHistory;
        Assert.Equal(2, history.Versions.Count);
        Assert.Equal("4096", history.Current!.Configuration.Guest["sysctl.net.core.somaxconn"]);
    }

    [Fact]
    public async Task Collect_HundredDomains_OneCycleListsThemAll()
    {
        var node = Path.Combine(directory, "node.xml");
        File.WriteAllText(node, TestDriverNode.Xml(100));
        using var store = SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), TimeProvider.System);
        await using var collector = new Collector(new LibvirtHypervisor(TimeProvider.System), store, TimeProvider.System,
            new CollectorOptions { Uri = "test://" + node, SampleWindow = TimeSpan.Zero }, new byte[32]);
        var report = await collector.CollectOnceAsync(CancellationToken.None);
        Assert.Equal(100, report.Vms.Count);
        Assert.All(report.Vms, v => Assert.Equal(1, v.ConfigurationVersion));
        Assert.Equal(100, (await store.ListAsync(CancellationToken.None)).Count);
        var second = await collector.CollectOnceAsync(CancellationToken.None);
        Assert.All(second.Vms, v => Assert.Null(v.NewVersion));
    }
}
