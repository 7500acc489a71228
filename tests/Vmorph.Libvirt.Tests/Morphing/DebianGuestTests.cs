using System.Text.Json;
using Vmorph.Libvirt.Tests.Lab;

namespace Vmorph.Libvirt.Tests.Morphing;

/// <summary>
/// The guest-side steps against a real Debian guest (lab-deb, scripts/lab up --debian: systemd, dpkg/apt-get with a local
/// repository, sshd, nftables): a user target profile is planned, applied and rolled back through the CLI, and each
/// setting is checked inside the guest through the guest agent after the apply and again after the rollback.
/// </summary>
[Collection("lab")]
public sealed class DebianGuestTests : IDisposable
{
    private const string Guest = "lab-deb";

    // The state of every setting the profile below touches, one KEY=VALUE line each, read inside the guest.
    private const string Probe = """
        echo "hello=$(dpkg-query -W -f='${db:Status-Abbrev}' hello 2>/dev/null)"
        echo "figlet=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' figlet 2>/dev/null)"
        echo "nftables=$(systemctl is-enabled nftables.service 2>/dev/null)"
        echo "ssh=$(systemctl is-enabled ssh.service 2>/dev/null)"
        mkdir -p /run/sshd
        sshd -T 2>/dev/null | awk '$1 == "permitrootlogin" || $1 == "passwordauthentication" { print $1 "=" $2 }'
        echo "somaxconn=$(sysctl -n net.core.somaxconn)"
        echo "table=$(nft list table inet vmorph >/dev/null 2>&1 && echo yes || echo no)"
        echo "unit=$(systemctl is-enabled vmorph-firewall.service 2>/dev/null)"
        """;

    private const string Profile = """
        apiVersion: vmorph/v1
        kind: TargetProfile
        metadata:
          name: debian-hardened
          description: the Debian lab guest's test profile
        spec:
          security:
            sysctl:
              net.core.somaxconn: "1024"
            ssh:
              permit-root-login: "no"
              password-authentication: "no"
            firewall-default: deny
          network:
            allow-ports: [22/tcp, 80/tcp, 8000-8100/udp]
            allow-peers: [10.0.0.0/8]
            deny-peers: [203.0.113.0/24, 2001:db8::/32]
          software:
            packages:
              present: [hello]
              absent: [figlet]
            services:
              enabled: [nftables]
              disabled: [ssh]
        """;

    private readonly LabFixture lab;
    private readonly LabStore store = new();

    public DebianGuestTests(LabFixture lab)
    {
        this.lab = lab;
        lab.EnsureDebian();
    }

    public void Dispose() => store.Dispose();

    [Fact]
    public async Task GuestSettings_PlanApplyThenRollbackOnDebian_EachTakesEffectInTheGuestAndThenIsAsBefore()
    {
        var before = State();
        Assert.True(before["hello"] == "" && before["figlet"].StartsWith("ii", StringComparison.Ordinal) && before["nftables"] == "disabled"
            && before["ssh"] == "enabled" && before["table"] == "no" && before["somaxconn"] != "1024",
            $"lab-deb is not as scripts/lab builds it (run 'scripts/lab down' and 'scripts/lab up --debian' for a fresh one): {Show(before)}");
        var profiles = Path.Combine(store.DataDirectory, "test-profiles");
        Directory.CreateDirectory(profiles);
        File.WriteAllText(Path.Combine(profiles, "debian-hardened.yaml"), Profile);
        var planPath = Path.Combine(store.DataDirectory, "debian.plan.json");

        var plan = await store.CliAsync("plan", Guest, "--to", "debian-hardened", "--targets", profiles, "--out", planPath);
        Assert.True(plan.Exit == 2, plan.Error + plan.Out);
        foreach (var expected in new[]
        {
            "+ package.hello", "- package.figlet", "service.nftables", "service.ssh", "sysctl.net.core.somaxconn",
            "ssh.permit-root-login", "ssh.password-authentication", "+ firewall.port.22/tcp = allow", "+ firewall.port.80/tcp = allow", "+ firewall.default = deny",
            "+ firewall.port.8000-8100/udp = allow", "+ firewall.peer.10.0.0.0/8 = allow", "+ firewall.peer.203.0.113.0/24 = deny",
            "+ firewall.peer.2001:db8::/32 = deny",
        })
            Assert.Contains(expected, plan.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Left out for this guest", plan.Error, StringComparison.Ordinal);

        var apply = await store.CliAsync("apply", planPath, "--yes", "--observe", "0", "--output", "json");
        Assert.True(apply.Exit == 0, apply.Error + apply.Out);
        Assert.Equal("committed", JsonDocument.Parse(apply.Out).RootElement.GetProperty("result").GetString());

        var after = State();
        Assert.True(after["hello"].StartsWith("ii", StringComparison.Ordinal), Show(after));
        Assert.False(after["figlet"].StartsWith("ii", StringComparison.Ordinal), Show(after));
        Assert.Equal("enabled", after["nftables"]);
        Assert.Equal("disabled", after["ssh"]);
        Assert.Equal("no", after["permitrootlogin"]);
        Assert.Equal("no", after["passwordauthentication"]);
        Assert.Equal("1024", after["somaxconn"]);
        Assert.Equal("enabled", after["unit"]);
        var table = lab.Exec(Guest, "/usr/sbin/nft", "list", "table", "inet", "vmorph");
        Assert.Contains("tcp dport 22 accept comment \"firewall.port.22/tcp\"", table, StringComparison.Ordinal);
        Assert.Contains("tcp dport 80 accept comment \"firewall.port.80/tcp\"", table, StringComparison.Ordinal);
        Assert.Contains("udp dport 8000-8100 accept comment \"firewall.port.8000-8100/udp\"", table, StringComparison.Ordinal);
        Assert.Contains("ip saddr 10.0.0.0/8 accept comment \"firewall.peer.10.0.0.0/8\"", table, StringComparison.Ordinal);
        Assert.Contains("ip saddr 203.0.113.0/24 drop comment \"firewall.peer.203.0.113.0/24\"", table, StringComparison.Ordinal);
        Assert.Contains("ip6 saddr 2001:db8::/32 drop comment \"firewall.peer.2001:db8::/32\"", table, StringComparison.Ordinal);
        Assert.Contains("drop comment \"firewall.default\"", table, StringComparison.Ordinal);
        Assert.Contains("ct state established,related accept", table, StringComparison.Ordinal);
        Assert.Contains("firewall.default", lab.Exec(Guest, "/bin/cat", "/etc/vmorph/firewall.nft"), StringComparison.Ordinal);

        // Persisted: after a reboot (nftables.service flushes the ruleset first, vmorph-firewall.service loads the table
        // after it) every setting is still there.
        var bootId = lab.Exec(Guest, "/bin/cat", "/proc/sys/kernel/random/boot_id").Trim();
        lab.Virsh("reboot", Guest, "--mode", "agent");
        await MorphLabTools.GuestUntilAsync(lab, Guest, o => !o.Contains(bootId, StringComparison.Ordinal) && o.Contains("firewall.default", StringComparison.Ordinal), TimeSpan.FromSeconds(180),
            "/bin/sh", "-c", "cat /proc/sys/kernel/random/boot_id; systemctl is-system-running --wait >/dev/null 2>&1; nft list table inet vmorph 2>&1");
        // A guest just started boots with its maximum memory and the balloon brings it down: wait, or the rollback's
        // plan would see it still moving.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while ((await MorphLabTools.VmAsync(Guest)).Configuration.Memory?.Bytes != 512L << 20 && watch.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(500);
        var rebooted = State();
        foreach (var key in new[] { "hello", "figlet", "nftables", "ssh", "permitrootlogin", "passwordauthentication", "somaxconn", "table", "unit" })
            Assert.True(after[key] == rebooted[key], $"{key}: {after[key]} after the apply, {rebooted[key]} after a reboot; {Show(rebooted)}");
        Assert.Contains("drop comment \"firewall.default\"", lab.Exec(Guest, "/usr/sbin/nft", "list", "table", "inet", "vmorph"), StringComparison.Ordinal);

        var rollback = await store.CliAsync("rollback", Guest, "--yes", "--observe", "0", "--output", "json");
        Assert.True(rollback.Exit == 0, rollback.Error + rollback.Out);

        var back = State();
        Assert.True(back["hello"] == "" || !back["hello"].StartsWith("ii", StringComparison.Ordinal), Show(back));
        Assert.Equal(before["figlet"], back["figlet"]);
        foreach (var key in new[] { "nftables", "ssh", "permitrootlogin", "passwordauthentication", "somaxconn", "table" })
            Assert.True(before[key] == back[key], $"{key}: {before[key]} before, {back[key]} after the rollback; {Show(back)}");
        Assert.NotEqual("enabled", back["unit"]);
        Assert.Contains("No such file", lab.Exec(Guest, "/bin/sh", "-c", "ls /etc/vmorph/firewall.nft 2>&1; true"), StringComparison.Ordinal);
    }

    private Dictionary<string, string> State()
    {
        var output = lab.Exec(Guest, "/bin/sh", "-c", Probe);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);
    }

    private static string Show(Dictionary<string, string> state) => string.Join(", ", state.Select(kv => $"{kv.Key}={kv.Value}"));
}
