using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vmorph.Planning;

namespace Vmorph.Libvirt.Morphing;

/// <summary>
/// vmorph's guest firewall as nftables sees it (pure): the table <c>inet vmorph</c> with one base chain <c>input</c>
/// (hook input, priority filter, policy accept) that vmorph alone writes, never touching other tables. Every firewall
/// key (<see cref="GuestKeys"/>) is one rule whose comment is the key and whose verdict is its value (<c>accept</c> =
/// allow, <c>drop</c> = deny), so the table itself is what vmorph reads back. Loopback traffic, established and related
/// connections and IPv6 neighbour discovery are always accepted first, so <c>default deny</c> cuts neither running
/// sessions nor the host (the guest agent is virtio-serial, not network). Then come the peer rules (deny before
/// allow), the port rules (deny before allow) and the default last, as a bare <c>accept</c> or <c>drop</c>: a trusted
/// network reaches every port, a narrower denied port inside an allowed range stays closed.
/// </summary>
internal static class NftRuleset
{
    /// <summary>The table's family.</summary>
    public const string Family = "inet";

    /// <summary>The table's name.</summary>
    public const string Table = "vmorph";

    /// <summary>
    /// Parses <c>nft -j list table inet vmorph</c>: the firewall keys and their values. A rule that carries a key
    /// that <see cref="GuestKeys.Problem"/> refuses, or no verdict vmorph writes, is reported (someone else edited
    /// the table); rules without a <c>firewall.</c> comment are vmorph's fixed ones and are skipped.
    /// </summary>
    public static Result<ImmutableSortedDictionary<string, string>> Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return Result<ImmutableSortedDictionary<string, string>>.Fail($"nft's JSON listing of table {Family} {Table} is not JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("nftables", out var items) || items.ValueKind != JsonValueKind.Array)
                return Result<ImmutableSortedDictionary<string, string>>.Fail($"nft's JSON listing of table {Family} {Table} has no 'nftables' array");
            var rules = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            var errors = new List<string>();
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("rule", out var rule)) continue;
                if (Text(rule, "family") != Family || Text(rule, "table") != Table) continue;
                if (Text(rule, "comment") is not { } key || !key.StartsWith("firewall.", StringComparison.Ordinal)) continue;
                var verdict = Verdict(rule);
                if (GuestKeys.Problem(key, verdict) is { } problem) errors.Add($"table {Family} {Table}: a rule vmorph did not write: {problem}");
                else if (verdict is null) errors.Add($"table {Family} {Table}: the rule for {key} neither accepts nor drops");
                else if (!rules.TryAdd(key, verdict)) errors.Add($"table {Family} {Table}: {key} has more than one rule");
            }
            return errors.Count == 0 ? Result<ImmutableSortedDictionary<string, string>>.Ok(rules.ToImmutable()) : Result<ImmutableSortedDictionary<string, string>>.Fail(errors);
        }
    }

    /// <summary>
    /// The nft script that replaces table <c>inet vmorph</c> with the given rules in one transaction (and that loads
    /// it at boot), or a failure naming a key or value that is not valid. Values are checked again here
    /// (<see cref="GuestKeys.Problem"/>, ports 1 to 65535), so nothing unchecked reaches nft.
    /// </summary>
    public static Result<string> Render(IReadOnlyDictionary<string, string> rules)
    {
        var errors = new List<string>();
        var peers = new List<(string Key, string Rule, bool Deny)>();
        var ports = new List<(string Key, string Rule, bool Deny)>();
        string? defaultVerdict = null;
        foreach (var (key, value) in rules.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (GuestKeys.Problem(key, value) is { } problem)
            {
                errors.Add(problem);
                continue;
            }
            var verdict = value == GuestKeys.Deny ? "drop" : "accept";
            if (key == GuestKeys.FirewallDefault)
                defaultVerdict = verdict;
            else if (key.StartsWith("firewall.port.", StringComparison.Ordinal))
            {
                if (PortMatch(key["firewall.port.".Length..]) is { } match) ports.Add((key, $"{match} {verdict}", value == GuestKeys.Deny));
                else errors.Add($"{key}: ports must be 1 to 65535, the first not above the last");
            }
            else if (key.StartsWith("firewall.peer.", StringComparison.Ordinal))
            {
                var network = IPNetwork.Parse(key["firewall.peer.".Length..]);
                var family = network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip";
                peers.Add((key, $"{family} saddr {network} {verdict}", value == GuestKeys.Deny));
            }
            else errors.Add($"{key}: not a firewall setting");
        }
        if (errors.Count > 0) return Result<string>.Fail(errors);

        var text = new StringBuilder()
            .Append("# vmorph's guest firewall, written by vmorph (see its docs/MORPHING.md, \"Guest firewall\"); loaded at boot\n")
            .Append("# by vmorph-firewall.service. Each rule's comment is vmorph's key for it: do not edit, run vmorph.\n")
            .Append(CultureInfo.InvariantCulture, $"table {Family} {Table}\n")
            .Append(CultureInfo.InvariantCulture, $"delete table {Family} {Table}\n")
            .Append(CultureInfo.InvariantCulture, $"table {Family} {Table} {{\n")
            .Append("\tchain input {\n")
            .Append("\t\ttype filter hook input priority filter; policy accept;\n")
            .Append("\t\tiif \"lo\" accept comment \"vmorph: loopback\"\n")
            .Append("\t\tct state established,related accept comment \"vmorph: established sessions\"\n")
            .Append("\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept comment \"vmorph: IPv6 neighbour discovery\"\n");
        foreach (var (key, rule, _) in peers.OrderBy(p => !p.Deny).Concat(ports.OrderBy(p => !p.Deny)))
            text.Append(CultureInfo.InvariantCulture, $"\t\t{rule} comment \"{key}\"\n");
        if (defaultVerdict is not null)
            text.Append(CultureInfo.InvariantCulture, $"\t\t{defaultVerdict} comment \"{GuestKeys.FirewallDefault}\"\n");
        text.Append("\t}\n}\n");
        return Result<string>.Ok(text.ToString());
    }

    private static string? PortMatch(string rule)
    {
        var (range, protocol) = (rule[..rule.IndexOf('/', StringComparison.Ordinal)], rule[(rule.IndexOf('/', StringComparison.Ordinal) + 1)..]);
        var parts = range.Split('-');
        var from = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var to = parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : from;
        if (from is < 1 or > 65535 || to is < 1 or > 65535 || to < from) return null;
        return from == to ? $"{protocol} dport {from}" : $"{protocol} dport {from}-{to}";
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Verdict(JsonElement rule)
    {
        if (!rule.TryGetProperty("expr", out var expressions) || expressions.ValueKind != JsonValueKind.Array) return null;
        string? verdict = null;
        foreach (var expression in expressions.EnumerateArray())
        {
            if (expression.ValueKind != JsonValueKind.Object) continue;
            if (expression.TryGetProperty("accept", out _)) verdict = GuestKeys.Allow;
            else if (expression.TryGetProperty("drop", out _)) verdict = GuestKeys.Deny;
        }
        return verdict;
    }
}
