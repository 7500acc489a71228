using System.Collections.Immutable;
using System.Text;
using Vmorph.Guest.Shell;
using Vmorph.Morphs;

namespace Vmorph.Libvirt.Morphing;

/// <summary>
/// Reads and writes vmorph's nftables table in one guest (<see cref="NftRuleset"/> says what it holds): read with
/// <c>nft -j list table inet vmorph</c> as an argument vector, written by the fixed <see cref="GuestSettingsScripts.Firewall"/>
/// script that receives the rendered ruleset as its one positional argument.
/// </summary>
/// <param name="shell">The guest.</param>
/// <param name="nft">The path of <c>nft</c> in the guest, as the settings script found it.</param>
internal sealed class GuestFirewall(IGuestShell shell, string nft)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The firewall keys and values in vmorph's table now (empty when there is no table).</summary>
    public async Task<Result<ImmutableSortedDictionary<string, string>>> ReadAsync(CancellationToken cancellationToken)
    {
        var run = await shell.RunAsync(new GuestCommand(nft, ["-j", "list", "table", NftRuleset.Family, NftRuleset.Table], Timeout), cancellationToken);
        if (!run.IsSuccess) return Result<ImmutableSortedDictionary<string, string>>.Fail([.. run.Errors.Select(e => $"reading the firewall: {e}")]);
        var stderr = Encoding.UTF8.GetString(run.Value.Stderr);
        if (run.Value.ExitCode != 0)
            return stderr.Contains("No such file or directory", StringComparison.Ordinal)
                ? Result<ImmutableSortedDictionary<string, string>>.Ok(ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal))
                : Result<ImmutableSortedDictionary<string, string>>.Fail($"{shell.Target}: nft cannot list table {NftRuleset.Family} {NftRuleset.Table} (exit {run.Value.ExitCode}): {stderr.Trim()}");
        var parsed = NftRuleset.Parse(Encoding.UTF8.GetString(run.Value.Stdout));
        return parsed.IsSuccess ? parsed : Result<ImmutableSortedDictionary<string, string>>.Fail([.. parsed.Errors.Select(e => $"{shell.Target}: {e}")]);
    }

    /// <summary>
    /// Sets firewall keys (a null value removes the key's rule) and writes the whole table again in one transaction;
    /// with no rule left, the table, its file and its unit are removed.
    /// </summary>
    public async Task<Result<Done>> SetAsync(IEnumerable<(string Key, string? Value)> changes, CancellationToken cancellationToken)
    {
        var current = await ReadAsync(cancellationToken);
        if (!current.IsSuccess) return Result<Done>.Fail(current.Errors);
        var rules = current.Value.ToBuilder();
        foreach (var (key, value) in changes)
        {
            if (value is null) rules.Remove(key);
            else rules[key] = value;
        }
        string ruleset;
        if (rules.Count == 0) ruleset = "-";
        else
        {
            var rendered = NftRuleset.Render(rules.ToImmutable());
            if (!rendered.IsSuccess) return Result<Done>.Fail([.. rendered.Errors.Select(e => $"{shell.Target}: refused: {e}")]);
            ruleset = rendered.Value;
        }
        var run = await shell.RunAsync(new GuestCommand("/bin/sh", ["-c", GuestSettingsScripts.Firewall, "vmorph-firewall", ruleset], Timeout), cancellationToken);
        if (!run.IsSuccess) return Result<Done>.Fail([.. run.Errors.Select(e => $"writing the firewall: {e}")]);
        if (run.Value.ExitCode == 0) return Result<Done>.Ok(default);
        var output = (Encoding.UTF8.GetString(run.Value.Stderr) + " " + Encoding.UTF8.GetString(run.Value.Stdout)).Trim();
        return Result<Done>.Fail($"{shell.Target}: writing the firewall: the firewall script exited with {run.Value.ExitCode}: {GuestConfigurator.Excerpt(output)}");
    }
}
