using System.Globalization;

namespace Vmorph.Guest.Parsing;

/// <summary>
/// What <c>ls -ln /proc/[0-9]*/exe /proc/[0-9]*/fd</c> tells: each process's user (the owner of its <c>exe</c> link),
/// its executable's path, and the inodes of the sockets among its open files. Works with GNU and busybox <c>ls</c>:
/// only the uid column and the names around <c>-&gt;</c> are read, never the date columns.
/// </summary>
/// <param name="Owners">pid → uid.</param>
/// <param name="Executables">pid → executable path.</param>
/// <param name="SocketOwners">socket inode → pid.</param>
public sealed record ProcLinks(Dictionary<long, long> Owners, Dictionary<int, string> Executables, Dictionary<long, int> SocketOwners)
{
    /// <summary>Parses the listing.</summary>
    public static ProcLinks Parse(IEnumerable<string> lines)
    {
        var owners = new Dictionary<long, long>();
        var executables = new Dictionary<int, string>();
        var sockets = new Dictionary<long, int>();
        int? directory = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("/proc/", StringComparison.Ordinal) && line.EndsWith("/fd:", StringComparison.Ordinal))
            {
                directory = Pid(line.AsSpan(6, line.Length - 10));
                continue;
            }
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6) continue;
            var arrow = Array.IndexOf(f, "->");
            var name = arrow > 0 ? f[arrow - 1] : f[^1];
            var target = arrow > 0 && arrow + 1 < f.Length ? f[arrow + 1] : null;
            if (name.StartsWith("/proc/", StringComparison.Ordinal) && name.EndsWith("/exe", StringComparison.Ordinal))
            {
                if (Pid(name.AsSpan(6, name.Length - 10)) is not { } pid) continue;
                if (long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)) owners.TryAdd(pid, uid);
                if (target is not null) executables.TryAdd(pid, target);
            }
            else if (directory is { } owner && target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && target.EndsWith(']')
                && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            {
                sockets.TryAdd(inode, owner);
            }
        }
        return new ProcLinks(owners, executables, sockets);
    }

    private static int? Pid(ReadOnlySpan<char> text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
}
