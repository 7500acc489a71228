using System.Globalization;

namespace Vmorph.Guest.Parsing;

/// <summary>
/// Each process's user, its executable's path, and the inodes of the sockets among its open files: from the inventory
/// script's <c>exe</c>, <c>owners</c> and <c>sockets</c> sections (<see cref="ParseSections"/>), or from the
/// <c>ls -ln /proc/[0-9]*/exe /proc/[0-9]*/fd</c> listing older scripts printed (<see cref="Parse"/>, kept for the
/// output captured from them).
/// </summary>
/// <param name="Owners">pid → uid.</param>
/// <param name="Executables">pid → executable path.</param>
/// <param name="SocketOwners">socket inode → pid.</param>
public sealed record ProcLinks(Dictionary<long, long> Owners, Dictionary<int, string> Executables, Dictionary<long, int> SocketOwners)
{
    /// <summary>
    /// Parses the sections: <c>exe</c> lines are <c>PID PATH</c> with the path escaped (<see cref="ScriptEscape"/>),
    /// <c>owners</c> lines <c>PID UID</c>, <c>sockets</c> lines <c>INODE PID</c>. Lines that do not parse are skipped.
    /// </summary>
    public static ProcLinks ParseSections(IEnumerable<string> exe, IEnumerable<string> owners, IEnumerable<string> sockets)
    {
        var executables = new Dictionary<int, string>();
        foreach (var line in exe)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && Pid(line.AsSpan(0, space)) is { } pid) executables.TryAdd(pid, ScriptEscape.Decode(line[(space + 1)..]));
        }
        var users = new Dictionary<long, long>();
        foreach (var line in owners)
        {
            if (line.Split(' ') is [var pid, var uid] && Pid(pid) is { } p && long.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out var u))
                users.TryAdd(p, u);
        }
        var socketOwners = new Dictionary<long, int>();
        foreach (var line in sockets)
        {
            if (line.Split(' ') is [var inode, var pid] && Pid(pid) is { } p && long.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
                socketOwners.TryAdd(i, p);
        }
        return new ProcLinks(users, executables, socketOwners);
    }

    /// <summary>Parses the <c>ls -ln</c> listing of older scripts.</summary>
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
