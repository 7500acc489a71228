using System.Collections.Immutable;
using System.Text;
using Vmorph.Configuration;
using Vmorph.Guest.Shell;
using Vmorph.Libvirt.Morphing;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Libvirt.Tests.Morphing;

/// <summary>
/// The guest firewall's plumbing without a guest: the nft ruleset vmorph renders, the parser of nft's JSON listing, and
/// what <see cref="GuestConfigurator"/> runs (argument vectors, the ruleset as a positional argument) on a fake shell.
/// The same code runs against nftables in the Debian lab guest in <see cref="DebianGuestTests"/>.
/// </summary>
public sealed class GuestFirewallTests
{
    private const string Nft = "/usr/sbin/nft";

    // As nft 1.0.6 (Debian 12) prints `nft -j list table inet vmorph` for the ruleset of Render_... below (abridged:
    // the match expressions of the port and peer rules are left out, the parser reads only comment and verdict).
    private const string Listing = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
         {"table": {"family": "inet", "name": "vmorph", "handle": 3}},
         {"chain": {"family": "inet", "table": "vmorph", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
         {"rule": {"family": "inet", "table": "vmorph", "chain": "input", "handle": 2, "comment": "vmorph: loopback", "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}]}},
         {"rule": {"family": "inet", "table": "vmorph", "chain": "input", "handle": 5, "comment": "firewall.peer.10.0.0.0/8", "expr": [{"drop": null}]}},
         {"rule": {"family": "inet", "table": "vmorph", "chain": "input", "handle": 6, "comment": "firewall.port.22/tcp", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"accept": null}]}},
         {"rule": {"family": "inet", "table": "vmorph", "chain": "input", "handle": 7, "comment": "firewall.default", "expr": [{"drop": null}]}}]}
        """;

    [Fact]
    public void Render_PortsPeersAndDefault_FixedRulesFirstThenPeersThenPortsDenyBeforeAllowAndTheDefaultLast()
    {
        var rules = new Dictionary<string, string>
        {
            [GuestKeys.FirewallDefault] = GuestKeys.Deny,
            [GuestKeys.Port("80/tcp")] = GuestKeys.Allow,
            [GuestKeys.Port("8000-8100/udp")] = GuestKeys.Allow,
            [GuestKeys.Port("8080/udp")] = GuestKeys.Deny,
            [GuestKeys.Peer("10.0.0.0/8")] = GuestKeys.Allow,
            [GuestKeys.Peer("2001:db8::/32")] = GuestKeys.Deny,
        };

        var text = NftRuleset.Render(rules).Value;

        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        Assert.Equal(
        [
            "table inet vmorph",
            "delete table inet vmorph",
            "table inet vmorph {",
            "chain input {",
            "type filter hook input priority filter; policy accept;",
            "iif \"lo\" accept comment \"vmorph: loopback\"",
            "ct state established,related accept comment \"vmorph: established sessions\"",
            "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept comment \"vmorph: IPv6 neighbour discovery\"",
            "ip6 saddr 2001:db8::/32 drop comment \"firewall.peer.2001:db8::/32\"",
            "ip saddr 10.0.0.0/8 accept comment \"firewall.peer.10.0.0.0/8\"",
            "udp dport 8080 drop comment \"firewall.port.8080/udp\"",
            "tcp dport 80 accept comment \"firewall.port.80/tcp\"",
            "udp dport 8000-8100 accept comment \"firewall.port.8000-8100/udp\"",
            "drop comment \"firewall.default\"",
            "}",
            "}",
        ], lines);
    }

    [Theory]
    [InlineData("firewall.port.0/tcp", "allow", "ports must be 1 to 65535")]
    [InlineData("firewall.port.70000/tcp", "allow", "ports must be 1 to 65535")]
    [InlineData("firewall.port.90-80/tcp", "allow", "the first not above the last")]
    [InlineData("firewall.port.80/tcp", "maybe", "is not one of allow, deny")]
    [InlineData("firewall.port.80/tcp;flush ruleset", "allow", "is not a port rule")]
    [InlineData("firewall.peer.10.0.0.0/8\"; flush ruleset", "allow", "is not a network in CIDR form")]
    [InlineData("package.nginx", "allow", "not a firewall setting")]
    public void Render_KeyOrValueNotValid_IsRefusedNamingIt(string key, string value, string reason)
    {
        var result = NftRuleset.Render(new Dictionary<string, string> { [key] = value });

        Assert.False(result.IsSuccess);
        Assert.Contains(reason, Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NftJsonListing_GivesEachKeyWithItsVerdictAndSkipsTheFixedRules()
    {
        var rules = NftRuleset.Parse(Listing).Value;

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["firewall.default"] = "deny",
                ["firewall.peer.10.0.0.0/8"] = "deny",
                ["firewall.port.22/tcp"] = "allow",
            },
            rules);
    }

    [Fact]
    public void Parse_RuleWithAKeyVmorphNeverWrites_IsReported()
    {
        var json = """{"nftables": [{"rule": {"family": "inet", "table": "vmorph", "chain": "input", "comment": "firewall.port.http/tcp", "expr": [{"accept": null}]}}]}""";

        var result = NftRuleset.Parse(json);

        Assert.False(result.IsSuccess);
        Assert.Contains("a rule vmorph did not write: firewall.port.http/tcp", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_GuestWithNft_ReportsTheTablesValuesAndAbsentForKeysWithoutARule()
    {
        var shell = new FakeShell(Settings("tool nft /usr/sbin/nft"), listing: Listing);
        var configurator = new GuestConfigurator(shell);

        var settings = (await configurator.ReadAsync(["firewall.default", "firewall.port.22/tcp", "firewall.port.80/tcp"], CancellationToken.None)).Value;

        Assert.DoesNotContain(GuestArea.Firewall, settings.Unsupported.Keys);
        Assert.Equal("deny", settings.Values["firewall.default"]);
        Assert.Equal("allow", settings.Values["firewall.port.22/tcp"]);
        Assert.Null(settings.Values["firewall.port.80/tcp"]);
        var list = shell.Commands.Single(c => c.Path == Nft);
        Assert.Equal(["-j", "list", "table", "inet", "vmorph"], list.Arguments);
    }

    [Fact]
    public async Task Read_GuestWithoutNft_ReportsTheFirewallUnsupportedWithTheReason()
    {
        var shell = new FakeShell(Settings(), listing: null);

        var settings = (await new GuestConfigurator(shell).ReadAsync(["firewall.default"], CancellationToken.None)).Value;

        Assert.Equal(GuestConfigurator.FirewallUnsupported, settings.Unsupported[GuestArea.Firewall]);
        Assert.DoesNotContain(shell.Commands, c => c.Path == Nft);
    }

    [Fact]
    public async Task Apply_RuleOnAGuestWithoutTable_WritesTheRenderedRulesetAsTheFixedScriptsOnlyArgument()
    {
        var shell = new FakeShell(Settings("tool nft /usr/sbin/nft"), listing: null);
        var configurator = new GuestConfigurator(shell);
        var operation = new StepOperation(StepKind.SetNetworkRule, [new ConfigurationChange("guest.firewall.port.80/tcp", null, "allow")], StepMode.Live, StepChannel.Guest);

        var done = await configurator.ApplyAsync(operation, CancellationToken.None);

        Assert.True(done.IsSuccess, string.Join("; ", done.Errors));
        var write = shell.Commands.Last();
        Assert.Equal("/bin/sh", write.Path);
        Assert.Equal(["-c", GuestSettingsScripts.Firewall, "vmorph-firewall"], write.Arguments.Take(3));
        Assert.Equal(NftRuleset.Render(new Dictionary<string, string> { ["firewall.port.80/tcp"] = "allow" }).Value, write.Arguments[3]);
        Assert.Equal(4, write.Arguments.Count);
    }

    [Fact]
    public async Task Apply_InverseRemovingTheLastRule_DeletesTheTable()
    {
        var listing = """{"nftables": [{"rule": {"family": "inet", "table": "vmorph", "chain": "input", "comment": "firewall.port.80/tcp", "expr": [{"accept": null}]}}]}""";
        var shell = new FakeShell(Settings("tool nft /usr/sbin/nft"), listing);
        var inverse = new StepOperation(StepKind.SetNetworkRule, [new ConfigurationChange("guest.firewall.port.80/tcp", "allow", null)], StepMode.Live, StepChannel.Guest);

        var done = await new GuestConfigurator(shell).ApplyAsync(inverse, CancellationToken.None);

        Assert.True(done.IsSuccess, string.Join("; ", done.Errors));
        Assert.Equal("-", shell.Commands.Last().Arguments[3]);
    }

    [Fact]
    public async Task Apply_DefaultDenyBesideExistingRules_KeepsThemAndAddsTheDefaultLast()
    {
        var shell = new FakeShell(Settings("tool nft /usr/sbin/nft"), Listing);
        var operation = new StepOperation(StepKind.SetFirewallDefault, [new ConfigurationChange("guest.firewall.default", "deny", "allow")], StepMode.Live, StepChannel.Guest);

        var done = await new GuestConfigurator(shell).ApplyAsync(operation, CancellationToken.None);

        Assert.True(done.IsSuccess, string.Join("; ", done.Errors));
        var ruleset = shell.Commands.Last().Arguments[3];
        Assert.Contains("ip saddr 10.0.0.0/8 drop comment \"firewall.peer.10.0.0.0/8\"", ruleset, StringComparison.Ordinal);
        Assert.Contains("tcp dport 22 accept comment \"firewall.port.22/tcp\"", ruleset, StringComparison.Ordinal);
        Assert.EndsWith("\t\taccept comment \"firewall.default\"\n\t}\n}\n", ruleset, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ValueNotValid_IsRefusedBeforeAnythingRunsInTheGuest()
    {
        var shell = new FakeShell(Settings("tool nft /usr/sbin/nft"), Listing);
        var operation = new StepOperation(StepKind.SetNetworkRule, [new ConfigurationChange("guest.firewall.port.80/tcp;reboot", null, "allow")], StepMode.Live, StepChannel.Guest);

        var done = await new GuestConfigurator(shell).ApplyAsync(operation, CancellationToken.None);

        Assert.False(done.IsSuccess);
        Assert.Contains("refused", done.Errors[0], StringComparison.Ordinal);
        Assert.Empty(shell.Commands);
    }

    [Fact]
    public async Task Apply_NftRefusesTheRuleset_FailsWithTheScriptsMessage()
    {
        var shell = new FakeShell(Settings("tool nft /usr/sbin/nft"), listing: null) { WriteExit = 1 };
        var operation = new StepOperation(StepKind.SetNetworkRule, [new ConfigurationChange("guest.firewall.port.80/tcp", null, "allow")], StepMode.Live, StepChannel.Guest);

        var done = await new GuestConfigurator(shell).ApplyAsync(operation, CancellationToken.None);

        Assert.False(done.IsSuccess);
        Assert.Contains("nft refused vmorph's ruleset", done.Errors[0], StringComparison.Ordinal);
    }

    private static string Settings(params string[] lines) =>
        string.Join('\n', ["vmorph-settings 1", "tool sysctl /usr/sbin/sysctl", .. lines, "vmorph-settings end", ""]);

    /// <summary>A guest that answers the settings script, <c>nft -j list table inet vmorph</c> and the firewall script.</summary>
    private sealed class FakeShell(string settings, string? listing) : IGuestShell
    {
        public List<GuestCommand> Commands { get; } = [];

        public int WriteExit { get; init; }

        public string Target => "fake-guest";

        public Task<Result<GuestCommandOutput>> RunAsync(GuestCommand command, CancellationToken cancellationToken)
        {
            Commands.Add(command);
            var (exit, stdout, stderr) = command switch
            {
                { Path: "/bin/sh" } when command.Arguments[1] == GuestSettingsScripts.Read => (0, settings, ""),
                { Path: Nft } when listing is null => (1, "", "Error: No such file or directory\nlist table inet vmorph\n                 ^^^^^^\n"),
                { Path: Nft } => (0, listing, ""),
                { Path: "/bin/sh" } when command.Arguments[1] == GuestSettingsScripts.Firewall =>
                    WriteExit == 0 ? (0, "", "") : (WriteExit, "", "nft refused vmorph's ruleset; table inet vmorph is unchanged"),
                _ => throw new InvalidOperationException("unexpected command " + command.Path),
            };
            return Task.FromResult(Result<GuestCommandOutput>.Ok(new GuestCommandOutput(exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr), false, TimeSpan.Zero)));
        }

        public Task<Result<byte[]>> ReadFileAsync(string path, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
