using Vmorph.TargetProfiles;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests.TargetProfiles;

public class TargetProfileCatalogTests
{
    [Fact]
    public void BuiltIn_HasTheFiveSeedProfiles_EachValidAgainstTheBuiltInArchetypes()
    {
        Assert.Equal(["data-analytics-node", "database-server", "development", "security-scanner", "web-server"], Fixtures.Catalog.Profiles.Keys);
        var web = Fixtures.Catalog.Find("web-server").Value;
        Assert.Equal("built-in web-server.yaml", web.Source);
        Assert.Equal("p95(cpu) * 1.3 + 1, min 1, max 4", web.Resources.Vcpus!.Text);
        Assert.Contains("nginx", web.Software.PackagesPresent);
        Assert.Equal(RuleAction.Deny, web.Security.FirewallDefault);
        Assert.Equal(0.8, web.ExpectedTraits["web-server"]);
        Assert.Contains(web.Network.Ports, p => p.Key == "443/tcp" && p.Action == RuleAction.Allow);
    }

    [Fact]
    public void Find_UnknownName_ListsTheDefinedOnes()
    {
        var result = Fixtures.Catalog.Find("mail-server");
        Assert.Equal("target profile 'mail-server' is not defined; defined: data-analytics-node, database-server, development, security-scanner, web-server", Assert.Single(result.Errors));
    }

    [Fact]
    public void Build_ManyMistakes_ReportsEveryErrorAtOnceNamingFileProfileAndField()
    {
        const string yaml = """
            apiVersion: vmorph/v1
            kind: TargetProfile
            metadata:
              name: web-server
            spec:
              resources:
                vcpus: "8"
                max-vcpus: "4"
                memory: 12 XB
                cpu-quota: 150%
              network:
                allow-ports: [80, "70000", 8000-8100/udp]
                deny-ports: ["80"]
                allow-peers: [10.0.0.0/8, not-an-address]
              software:
                packages:
                  present: [nginx, "Nginx;rm -rf /"]
                  absent: [nginx]
                services:
                  enabled: ["-nginx"]
              security:
                sysctl:
                  net.core.somaxconn: "4096; reboot"
                ssh:
                  permit-root-login: maybe
                firewall-default: drop
              expected-traits:
                web-server: 1.5
                mail-server: 0.5
            """;
        var result = TargetProfileCatalog.Build([], [("web-server.yaml", yaml)], Fixtures.KnownTraits);
        Assert.False(result.IsSuccess);
        const string at = "web-server.yaml: target profile 'web-server': ";
        Assert.Equal(
        [
            at + "spec.resources.memory: '12 XB' is not a size: unknown unit 'XB' at column 4; units: B, KiB, MiB, GiB, TiB, or per second for rates (MiB/s)",
            at + "spec.resources.cpu-quota: '150%' evaluates to 150 % for every VM; a share cannot exceed 100%",
            at + "spec.resources.vcpus: 8 is above spec.resources.max-vcpus (4)",
            at + "spec.network.allow-ports[1]: '70000' is not a port: use PORT, FROM-TO, optionally /tcp or /udp, with ports 1 to 65535",
            at + "spec.network.deny-ports: port 80/tcp is both allowed and denied",
            at + "spec.network.allow-peers[1]: 'not-an-address' is not an address or a network in CIDR form with no host bits set (10.0.0.0/8, 2001:db8::/32)",
            at + "spec.software.packages.present[1]: 'Nginx;rm -rf /' is not a Debian package name: at least two characters of a-z, 0-9, '+', '-', '.', starting with a letter or digit",
            at + "spec.software.packages: 'nginx' is both present and absent",
            at + "spec.software.services.enabled[0]: '-nginx' is not a systemd unit name: letters, digits, ':', '-', '_', '.', '@', starting with a letter, digit or '_'",
            at + "spec.security.sysctl.net.core.somaxconn: '4096; reboot' is not a sysctl value (letters, digits, spaces and . : _ / , -)",
            at + "spec.security.ssh.permit-root-login: 'maybe' is not one of yes, no, prohibit-password",
            at + "spec.security.firewall-default: 'drop' is not one of allow, deny",
            at + "spec.expected-traits.web-server: '1.5' is not a score from 0 to 1",
            at + "spec.expected-traits.mail-server: unknown trait; known traits: batch, bursty, cpu-bound, data-analytics-node, database-server, development, idle, interactive, io-bound, memory-bound, network-bound, security-scanner, web-server",
        ], result.Errors);
    }

    [Fact]
    public void Build_MissingHeaderAndName_AreReported()
    {
        var result = TargetProfileCatalog.Build([], [("x.yaml", "metadata:\n  description: nothing\n")]);
        Assert.Equal(
        [
            "x.yaml: target profile '(no name)': apiVersion: is missing; use vmorph/v1",
            "x.yaml: target profile '(no name)': kind: is missing; use TargetProfile",
            "x.yaml: target profile '(no name)': metadata.name: is missing",
            "x.yaml: target profile '(no name)': spec: is missing",
        ], result.Errors);
    }

    [Fact]
    public void Build_ErrorsInSeveralFiles_AreAllReported()
    {
        var result = TargetProfileCatalog.Build([], [
            ("a.yaml", "apiVersion: vmorph/v2\nkind: TargetProfile\nmetadata: {name: a}\nspec: {}\n"),
            ("b.yaml", "apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: b}\nspec:\n  resources: {memory: 4}\n"),
        ]);
        Assert.Equal(
        [
            "a.yaml: target profile 'a': apiVersion: 'vmorph/v2' is not supported; use vmorph/v1",
            "b.yaml: target profile 'b': spec.resources.memory: '4' is not a size: it has no unit; a size needs a unit: B, KiB, MiB, GiB or TiB",
        ], result.Errors);
    }

    [Fact]
    public void Build_UnknownKey_IsRejectedWithFileLineAndColumn()
    {
        var result = TargetProfileCatalog.Build([], [("typo.yaml", "apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: t}\nspec:\n  resources:\n    vcpu: 2\n")]);
        Assert.Equal("typo.yaml: line 6, column 5: unknown key 'vcpu'", Assert.Single(result.Errors));
    }

    [Fact]
    public void Build_UserProfileWithABuiltInName_ReplacesIt_AndDuplicatesAreRefused()
    {
        const string mine = "apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: web-server, description: ours}\nspec:\n  resources: {memory: 1GiB}\n";
        var catalog = TargetProfileCatalog.WithUserProfiles([("/etc/vmorph/profiles/web.yaml", mine)]).Value;
        Assert.Equal("ours", catalog.Profiles["web-server"].Description);
        Assert.Equal(5, catalog.Profiles.Count);

        var twice = TargetProfileCatalog.WithUserProfiles([("a.yaml", mine), ("b.yaml", mine)]);
        Assert.Equal("b.yaml: target profile 'web-server': metadata.name: already defined in a.yaml; a name may be used once in the user directory", Assert.Single(twice.Errors));
    }

    [Fact]
    public void ReadDirectory_ReadsYamlFilesInNameOrder_AndAMissingDirectoryIsEmpty()
    {
        var directory = Directory.CreateTempSubdirectory("vmorph-profiles-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "b.yaml"), "apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: b}\nspec: {}\n");
            File.WriteAllText(Path.Combine(directory.FullName, "a.yml"), "apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: a}\nspec: {}\n");
            File.WriteAllText(Path.Combine(directory.FullName, "notes.txt"), "not a profile");
            var documents = TargetProfileCatalog.ReadDirectory(directory.FullName);
            Assert.Equal(["a.yml", "b.yaml"], documents.Select(d => Path.GetFileName(d.Source)));
            Assert.Equal(7, TargetProfileCatalog.WithUserProfiles(documents).Value.Profiles.Count);
            Assert.Empty(TargetProfileCatalog.ReadDirectory(Path.Combine(directory.FullName, "missing")));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Validate_SizesAndLimits_AreParsedByKind()
    {
        var target = Fixtures.Target("""
            apiVersion: vmorph/v1
            kind: TargetProfile
            metadata: {name: t}
            spec:
              resources:
                memory: 2GiB
                cpu-quota: unlimited
                disk:
                  device: vdb
                  size: current, min 20GiB
                  read-bytes-per-second: 100MiB/s
                  write-bytes-per-second: unlimited
                  total-iops: "2000"
              network:
                allow-peers: [192.168.1.7, "2001:db8::/32"]
            """);
        Assert.Equal(2 * MemorySize.GiB, target.Resources.Memory!.Evaluate(new ProfileSizeContext(null, "x")).Value);
        Assert.Same(LimitTarget.Unlimited, target.Resources.CpuQuota);
        Assert.Equal("vdb", target.Resources.Disk!.Device);
        Assert.True(target.Resources.Disk.Size!.UsesCurrent);
        Assert.Null(target.Resources.Disk.WriteBytesPerSecond!.Value);
        Assert.Equal(SizeKind.Count, target.Resources.Disk.TotalIops!.Value!.Kind);
        Assert.Equal(["192.168.1.7/32", "2001:db8::/32"], target.Network.Peers.Select(p => p.Network));
    }

    [Theory]
    [InlineData("nginx", true)]
    [InlineData("libc6", true)]
    [InlineData("g++", true)]
    [InlineData("python3.11", true)]
    [InlineData("a", false)]
    [InlineData("Nginx", false)]
    [InlineData("-rf", false)]
    [InlineData("nginx;reboot", false)]
    [InlineData("nginx bash", false)]
    [InlineData("../etc", false)]
    [InlineData("$(reboot)", false)]
    public void PackageNames_FollowDebianPolicy(string name, bool valid) => Assert.Equal(valid, GuestNames.IsPackage(name));

    [Theory]
    [InlineData("nginx", true)]
    [InlineData("nginx.service", true)]
    [InlineData("getty@tty1.service", true)]
    [InlineData("systemd-networkd.socket", true)]
    [InlineData("-nginx", false)]
    [InlineData("nginx service", false)]
    [InlineData("nginx;reboot", false)]
    [InlineData("a/b", false)]
    [InlineData("x\\x2d", false)]
    [InlineData("", false)]
    public void ServiceNames_AreStrictSystemdUnitNames(string name, bool valid) => Assert.Equal(valid, GuestNames.IsService(name));
}
