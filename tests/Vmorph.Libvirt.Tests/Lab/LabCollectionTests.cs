using System.Globalization;
using System.Text;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Traits;
using Vmorph.Units;

namespace Vmorph.Libvirt.Tests.Lab;

/// <summary>The issue's tests against real guests (scripts/lab). Each uses its own store; guests are put back as they were.</summary>
[Collection("lab")]
public sealed class LabCollectionTests(LabFixture lab) : IDisposable
{
    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    private static ArchetypeCatalog Catalog => ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml())]).Value;

    [Fact]
    public async Task Collect_LabGuests_FillsConfigurationMetricsAndTheGuestView()
    {
        var report = await store.CollectAsync(["lab-1", "lab-2", "lab-3"]);
        Assert.Equal(3, report.Vms.Count);
        foreach (var vm in report.Vms)
        {
            Assert.Equal(DomainState.Running, vm.State);
            Assert.Equal(1, vm.ConfigurationVersion);
            var configuration = vm.NewVersion!.Configuration;
            Assert.Equal(4, configuration.MaxVcpus);
            Assert.Equal(MemorySize.FromMiB(1024), configuration.MaxMemory);
            Assert.Equal(MemorySize.FromMiB(256), configuration.Disks["vda"].Capacity);
            Assert.NotNull(vm.Sample?.Cpu);
            Assert.NotNull(vm.Sample?.Memory);
            Assert.NotNull(vm.Sample?.DiskWrite);
            Assert.Null(vm.GuestMissing);
            Assert.Contains(vm.Inventory!.Processes, p => p.Executable == "qemu-ga");
            Assert.Equal(vm.Name, vm.Inventory.System!.Hostname);
            Assert.NotNull(vm.Inventory.Footprint);
        }
        var profile = await store.ProfileAsync("lab-1");
        Assert.Equal("/var/lib/vmorph-lab/build/initramfs.img", profile.BaseImage.Value);
        Assert.True(profile.Applications.IsObserved);
        Assert.True(profile.Network.IsObserved);
        Assert.True(profile.DataFootprint.IsObserved);
        Assert.Null(profile.GuestViewMissing);
    }

    [Fact]
    public async Task SetMem_OnRunningGuest_AppearsInConfigurationHistoryAsANewVersionWithTheDiff()
    {
        await store.CollectAsync(["lab-1"]);
        const long before = 256L << 20, after = 384L << 20;
        Assert.Equal(before, (long)(await store.ProfileAsync("lab-1")).ConfigurationHistory.Current!.Configuration.Memory!.Value.Bytes);
        lab.Virsh("setmem", "lab-1", "384M", "--live");
        try
        {
            var version = await Poll.UntilAsync(async () =>
            {
                await store.CollectAsync(["lab-1"]);
                var history = (await store.ProfileAsync("lab-1")).ConfigurationHistory;
                return history.Versions.LastOrDefault(v => v.Configuration.Memory?.Bytes == after);
            }, TimeSpan.FromSeconds(30), "lab-1's configuration with 384 MiB");
            var change = Assert.Single(version.Changes, c => c.Path == "memory.current");
            Assert.Equal(after.ToString(CultureInfo.InvariantCulture), change.After);
            Assert.True(long.Parse(change.Before!, CultureInfo.InvariantCulture) is >= before and < after, $"memory.current went from {change.Before}");
            Assert.All(version.Changes, c => Assert.Equal("memory.current", c.Path));
            Assert.True(version.Version >= 2);
            Assert.False(string.IsNullOrWhiteSpace(version.Cause));
            var (exit, output, _) = await store.CliAsync("history", "lab-1");
            Assert.Equal(0, exit);
            // In binary units for people (the exact bytes are in --output json).
            Assert.Matches(@"~ memory\.current: [0-9.]+ MiB -> 384 MiB", output);
        }
        finally
        {
            lab.Virsh("setmem", "lab-1", "256M", "--live");
        }
    }

    [Fact]
    public async Task ListeningServer_InOneGuest_ShowsUpAndMovesItsTrait_WhileAGuestWithoutItDoesNotMove()
    {
        await store.CollectAsync(["lab-2", "lab-3"]);
        var webBefore = WebServer(await store.ProfileAsync("lab-2"));
        var evidenceBefore = Evidence(await store.ProfileAsync("lab-2"));
        var controlBefore = WebServer(await store.ProfileAsync("lab-3"));
        lab.Exec("lab-2", "/bin/sh", "-c", "killall httpd; /bin/httpd -p 80");
        try
        {
            var report = await store.CollectAsync(["lab-2", "lab-3"]);
            var server = report.Vms.Single(v => v.Name == "lab-2").Inventory!;
            Assert.Contains(server.Sockets, s => s is { Listening: true, Protocol: "tcp", LocalPort: 80, Process: "httpd" });
            Assert.Contains(server.Processes, p => p.Executable == "httpd");
            var web = await store.ProfileAsync("lab-2");
            Assert.True(web.Network.ListensOn(80));
            Assert.True(web.Applications.Applications.ContainsKey("httpd"));
            var control = await store.ProfileAsync("lab-3");
            Assert.False(control.Network.ListensOn(80));
            var webAfter = WebServer(web);
            var controlAfter = WebServer(control);
            // Ports and applications count by their share of recent snapshots (docs/TRAITS.md, recency): one snapshot
            // of a new server is part of the evidence, in proportion to the snapshots before it.
            var share = web.Network.ListeningShare(80);
            Assert.True(share > 0 && web.Applications.RecentFrequency("httpd") > 0, $"port 80's recent share is {share:0.000}");
            var evidenceAfter = Evidence(web);
            Assert.True(evidenceAfter > evidenceBefore, $"the port and application part of lab-2's web-server trait went from {evidenceBefore:0.000} to {evidenceAfter:0.000} (the whole trait from {webBefore:0.000} to {webAfter:0.000})");
            Assert.True(Math.Abs(controlAfter - controlBefore) < 0.05, $"lab-3's web-server trait moved from {controlBefore:0.000} to {controlAfter:0.000}");
        }
        finally
        {
            lab.Exec("lab-2", "/bin/killall", "httpd");
        }
    }

    [Fact]
    public async Task DatabasePortListening_MovesTheDatabaseTrait()
    {
        await store.CollectAsync(["lab-1"]);
        var before = PortPart(await store.ProfileAsync("lab-1"), "database-server", "port.database");
        lab.Exec("lab-1", "/bin/sh", "-c", "nc -l -p 5432 </dev/null >/dev/null 2>&1 &");
        try
        {
            var report = await store.CollectAsync(["lab-1"]);
            Assert.Contains(report.Vms[0].Inventory!.Sockets, s => s is { Listening: true, LocalPort: 5432, Process: "nc" });
            var profile = await store.ProfileAsync("lab-1");
            // The port counts by its share of recent snapshots (docs/TRAITS.md, recency), not as "ever listened": the
            // trait gains the port's weight times that share.
            var share = profile.Network.ListeningShare(5432);
            Assert.True(share > 0, $"port 5432's recent share is {share:0.000}");
            var after = PortPart(profile, "database-server", "port.database");
            Assert.True(after > before, $"port.database's part of lab-1's database-server trait went from {before:0.000} to {after:0.000}");
        }
        finally
        {
            lab.Exec("lab-1", "/bin/sh", "-c", "killall nc; true");
        }
    }

    [Fact]
    public async Task PlantedSecrets_AreCountedAsSensitive_ButTheirContentAndNamesAreNowhereInTheStore()
    {
        const string dir = "/root/vmorph-planted";
        const string keyName = "deploy-key-7f3a9c.pem", cardName = "customer-cards-7f3a9c.txt";
        const string keyBody = "MIIEpAIBAAKCAQEAvmorphPlantedSecret7f3a9c";
        const string card = "4111 1111 1111 1111";
        lab.Exec("lab-1", "/bin/sh", "-c",
            $"mkdir -p {dir} && printf -- '-----BEGIN RSA PRIVATE KEY-----\\n{keyBody}\\n-----END RSA PRIVATE KEY-----\\n' > {dir}/{keyName} && printf 'paid with {card}\\n' > {dir}/{cardName}");
        try
        {
            var report = await store.CollectAsync(["lab-1"], [dir, "/nonexistent-7f3a9c"]);
            var scan = report.Vms[0].Inventory!.Footprint!;
            Assert.Equal(1, scan.Sensitive["private-key"]);
            Assert.Equal(1, scan.Sensitive["card-number"]);
            Assert.Contains("lab-1: scan path /nonexistent-7f3a9c does not exist", report.Vms[0].Problems);
            var footprint = (await store.ProfileAsync("lab-1")).DataFootprint;
            Assert.Equal(2, footprint.Latest!.Sensitive.Values.Sum());
            var json = (await store.CliAsync("profile", "lab-1", "--output", "json")).Out;
            var bytes = Encoding.UTF8.GetString(store.StoreBytes());
            foreach (var secret in (string[])[keyName, cardName, "7f3a9c.", keyBody, card, "4111111111111111", "BEGIN RSA"])
            {
                Assert.DoesNotContain(secret, bytes, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
            }
        }
        finally
        {
            lab.Exec("lab-1", "/bin/rm", "-rf", dir);
        }
    }

    [Fact]
    public async Task UserBehavior_StaysEmptyWithoutConsent_FillsWithConsent_AndIsDeletedWhenWithdrawn()
    {
        await store.CollectAsync(["lab-1"]);
        var model = (await store.ProfileAsync("lab-1")).UserBehavior;
        Assert.Null(model.Consent);
        Assert.False(model.IsObserved);

        var grant = await store.CliAsync("consent", "lab-1", "--grant", "--by", "ops-ticket-42", "--scope", "interactive hours on the lab");
        Assert.True(grant.Exit == 0, grant.Error);
        await store.CollectAsync(["lab-1"]);
        model = (await store.ProfileAsync("lab-1")).UserBehavior;
        Assert.Equal("ops-ticket-42", model.Consent!.GrantedBy);
        var key = Vmorph.Guest.Privacy.AnonymisationKeyFile.LoadOrCreate(store.DataDirectory);
        var root = Assert.Single(model.Users);
        Assert.Equal(Vmorph.Profiles.UserBehaviorModel.Anonymise("root", key), root.Key);
        Assert.True(root.Value.Sessions >= 2, "the lab guest's shells on ttyS0 and ttyS1 are two sessions of root");

        var withdraw = await store.CliAsync("consent", "lab-1", "--withdraw");
        Assert.True(withdraw.Exit == 0, withdraw.Error);
        await store.CollectAsync(["lab-1"]);
        model = (await store.ProfileAsync("lab-1")).UserBehavior;
        Assert.Null(model.Consent);
        Assert.False(model.IsObserved);
        Assert.DoesNotContain(root.Key, (await store.CliAsync("profile", "lab-1", "--output", "json")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuestAgentThatDoesNotAnswer_LeavesTheHypervisorViewAndSaysWhatIsMissing()
    {
        lab.Exec("lab-3", "/bin/sh", "-c", "mv /bin/qemu-ga /bin/qemu-ga.off; (sleep 1; killall qemu-ga) </dev/null >/dev/null 2>&1 &");
        try
        {
            var vm = await Poll.UntilAsync(async () =>
            {
                var r = (await store.CollectAsync(["lab-3"])).Vms[0];
                return r.GuestMissing is not null ? r : null;
            }, TimeSpan.FromSeconds(30), "lab-3 without its guest agent");
            Assert.StartsWith("lab-3: ", vm.GuestMissing, StringComparison.Ordinal);
            Assert.NotNull(vm.Sample?.Memory);
            Assert.Null(vm.Inventory);
            Assert.Equal(vm.GuestMissing, (await store.ProfileAsync("lab-3")).GuestViewMissing);
        }
        finally
        {
            RestoreAgent();
        }
    }

    private void RestoreAgent()
    {
        // Without an agent there is no guest-exec: reboot lab-3 (the image is in the initramfs, so /bin/qemu-ga is back).
        lab.Virsh("destroy", "lab-3");
        lab.Virsh("start", "lab-3");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (LabFixture.Run("virsh", ["-c", LabFixture.Uri, "qemu-agent-command", "lab-3", "--timeout", "3", "{\"execute\":\"guest-ping\"}"], TimeSpan.FromSeconds(10)).Exit != 0)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException("lab-3's guest agent did not come back within 120 s of its restart");
            Thread.Sleep(500);
        }
    }

    private static double WebServer(Vmorph.Profiles.PersonalityProfile p) => Score(p, "web-server");

    private static double Evidence(Vmorph.Profiles.PersonalityProfile p) =>
        PortPart(p, "web-server", "port.web") + PortPart(p, "web-server", "app.web-server");

    private static double PortPart(Vmorph.Profiles.PersonalityProfile p, string trait, string feature) =>
        TraitScorer.Score(p, Catalog)[trait]!.Contributions.SingleOrDefault(c => c.Feature == feature)?.Amount ?? 0;

    private static double Score(Vmorph.Profiles.PersonalityProfile p, string trait) => TraitScorer.Score(p, Catalog).Traits.Single(t => t.Trait == trait).Score;
}
