using Vmorph.Libvirt.Morphing;
using Vmorph.Morphing;
using Vmorph.Planning;
using Vmorph.TargetProfiles;
using Vmorph.Testing;
using Vmorph.Units;
using Xunit.Abstractions;

namespace Vmorph.Libvirt.Tests.TestDriver;

/// <summary>
/// The host reader against libvirt's test:///default, which reports a fake host of its own (16 CPUs, 3 GiB): the
/// reader must return that host, not the lab's 2 cores and 24 GiB, and the planner must plan for it.
/// </summary>
public sealed class TestDriverHostTests(ITestOutputHelper output)
{
    private const string Uri = "test:///default";

    private static async Task<(LibvirtMorphDriver Driver, HostCapabilities Host)> OpenAsync()
    {
        var driver = LibvirtMorphDriver.Open(Uri, TimeProvider.System);
        Assert.True(driver.IsSuccess, string.Join("; ", driver.Errors));
        var host = await driver.Value.ReadHostAsync(CancellationToken.None);
        Assert.True(host.IsSuccess, string.Join("; ", host.Errors));
        return (driver.Value, host.Value.Capabilities);
    }

    [Fact]
    public async Task ReadHost_TestDriver_ReturnsItsFakeHostNotTheLabs()
    {
        var driver = LibvirtMorphDriver.Open(Uri, TimeProvider.System).Value;
        using (driver)
        {
            var host = (await driver.ReadHostAsync(CancellationToken.None)).Value;
            output.WriteLine($"{host.Capabilities.Name}: {host.Capabilities.Cores} cores, {host.Capabilities.Memory}");
            Assert.Equal(16, host.Capabilities.Cores);
            Assert.Equal(MemorySize.FromKiB(3_145_728), host.Capabilities.Memory);
            Assert.NotEqual(LabHost.Capabilities.Cores, host.Capabilities.Cores);
            Assert.NotEqual(LabHost.Capabilities.Memory, host.Capabilities.Memory);
            Assert.Equal("TEST", host.Facts.HypervisorType);
            Assert.Equal(32, host.Facts.MaxVcpus);
            Assert.Null(host.Facts.TotalMemoryKiB); // the test driver has no virNodeGetMemoryStats
            Assert.Empty(host.Facts.DomainCapabilities); // nor virConnectGetDomainCapabilities
            Assert.Matches(@"^.+ \(libvirt \d+\.\d+\.\d+, TEST 0\.0\.2\)$", host.Capabilities.Name);
        }
    }

    [Fact]
    public async Task Plan_TargetAskingFourVcpus_IsHeldToTheCoresOfTheHostItIsPlannedFor()
    {
        var (driver, testHost) = await OpenAsync();
        using (driver)
        {
            var vm = (await driver.FindAsync("test", CancellationToken.None)).Value; // 2 of 2 vCPUs
            var target = TargetProfileCatalog.Build([], [("t.yaml", "apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata:\n  name: t\nspec:\n  resources:\n    vcpus: \"4\"\n")]).Value.Find("t").Value;

            // On the host the driver reports (16 cores), the VM gets its 4 vCPUs (at a restart: nothing is live there).
            var onTestHost = await new MorphPlanner(driver, testHost, TimeProvider.System).PlanAsync(vm, target, null, null, CancellationToken.None, SnapshotPolicy.Minimal);
            Assert.True(onTestHost.IsSuccess, string.Join("; ", onTestHost.Errors));
            var changes = onTestHost.Value.Plan.Steps.SelectMany(s => s.Changes).ToDictionary(c => c.Path, c => c.After);
            Assert.Equal("4", changes["vcpus.current"]);
            Assert.Equal("4", changes["vcpus.maximum"]);
            Assert.Equal(testHost.Name, onTestHost.Value.Plan.Host);

            // The lab's 2 cores would have held it to the 2 it has: no change at all.
            var onLab = await new MorphPlanner(driver, LabHost.Capabilities, TimeProvider.System).PlanAsync(vm, target, null, null, CancellationToken.None, SnapshotPolicy.Minimal);
            Assert.True(onLab.IsSuccess, string.Join("; ", onLab.Errors));
            Assert.Empty(onLab.Value.Plan.Steps);
        }
    }

    [Fact]
    public async Task PlanBack_ToAnEarlierConfiguration_RecordsTheCapabilitiesOfTheHostItIsPlannedFor()
    {
        var (driver, testHost) = await OpenAsync();
        using (driver)
        {
            var vm = (await driver.FindAsync("test", CancellationToken.None)).Value;
            // The version it has now (the test driver cannot restart a VM or snapshot it, so a change could not be planned).
            var version = new Configuration.ConfigurationVersion(1, vm.Configuration.ContentHash(), DateTimeOffset.UnixEpoch, "test", vm.Configuration, []);

            var back = await new MorphPlanner(driver, testHost, TimeProvider.System).PlanBackAsync(vm, version, new Dictionary<string, string?>(), null, CancellationToken.None);

            Assert.True(back.IsSuccess, string.Join("; ", back.Errors));
            Assert.Equal(testHost, back.Value.Capabilities);
            Assert.Equal(testHost, PlanFile.Load(PlanFile.Save(back.Value)).Value.Capabilities);
        }
    }
}
