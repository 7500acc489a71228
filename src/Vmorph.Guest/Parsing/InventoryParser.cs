using System.Globalization;
using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.Guest.Parsing;

/// <summary>
/// Turns the output of the inventory script (<c>Scripts/inventory.sh</c>) into an <see cref="InventorySnapshot"/>:
/// processes (kernel threads and the script's own processes left out), sockets with their owning process, interface
/// counters, interactive sessions and the guest's own account of itself. Pure: the same text gives the same snapshot.
/// </summary>
public static class InventoryParser
{
    /// <summary>USER_HZ: the unit of CPU times and start times in <c>/proc/[pid]/stat</c> on Linux.</summary>
    public const int ClockTicksPerSecond = 100;

    /// <summary>The page size that <c>rss</c> counts in (4 KiB on x86-64 and most arm64 kernels).</summary>
    public const int PageSize = 4096;

    /// <summary>Parses the script's output; a failure says why the text is not the script's.</summary>
    public static Result<InventorySnapshot> Parse(string text, DateTimeOffset at, string target)
    {
        var split = ScriptOutput.Split(text, "inventory 1", target, "inventory");
        if (!split.IsSuccess) return Result<InventorySnapshot>.Fail(split.Errors);
        var output = split.Value;

        int.TryParse(output["self"].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var self);
        DateTimeOffset? boot = long.TryParse(output["btime"].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var btime)
            ? DateTimeOffset.FromUnixTimeSeconds(btime) : null;

        var links = output.Has("links")
            ? ProcLinks.Parse(output.Lines("links"))
            : ProcLinks.ParseSections(output.Lines("exe"), output.Lines("owners"), output.Lines("sockets"));
        var owners = links.Owners;
        var users = output.Lines("passwd").Select(l => l.Split(' ', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        var executables = links.Executables;

        var stats = output.Lines("stat").Select(l => ProcStat.Parse(l)).OfType<ProcStat>()
            .Where(p => !p.IsKernelThread && p.State != 'Z' && p.Pid != self && p.ParentPid != self)
            .GroupBy(p => p.Pid).Select(g => g.First()).ToList();
        var processes = new List<ProcessInfo>(stats.Count);
        var names = new Dictionary<int, string>();
        foreach (var p in stats)
        {
            var name = ExecutableName(p.Comm, executables.GetValueOrDefault(p.Pid));
            names[p.Pid] = name;
            processes.Add(new ProcessInfo(
                p.Pid,
                name,
                (p.UserTicks + p.SystemTicks) / (double)ClockTicksPerSecond,
                Math.Max(0, p.ResidentPages) * PageSize,
                boot?.AddSeconds(p.StartTicks / (double)ClockTicksPerSecond),
                p.TtyNumber != 0 && !IsLoginPrompt(name)));
        }

        var socketOwners = links.SocketOwners;
        var sockets = new List<SocketInfo>();
        foreach (var protocol in (string[])["tcp", "tcp6", "udp", "udp6"])
        {
            foreach (var s in ProcNet.ParseSockets(output[protocol], protocol, out _))
            {
                string? process = socketOwners.TryGetValue(s.Inode, out var owner) ? names.GetValueOrDefault(owner) : null;
                if (s.Listening) sockets.Add(new SocketInfo(protocol, true, s.LocalPort, null, null, process));
                else if (s.Connected) sockets.Add(new SocketInfo(protocol, false, s.LocalPort, s.RemoteAddress.ToString(), s.RemotePort, process));
            }
        }

        var sessions = new List<LoginSession>();
        foreach (var leader in stats.Where(p => p.Pid == p.Session && p.TtyNumber != 0 && !IsLoginPrompt(names[p.Pid])))
        {
            var user = owners.TryGetValue(leader.Pid, out var uid) && users.TryGetValue(uid.ToString(CultureInfo.InvariantCulture), out var n) ? n : $"uid:{uid}";
            var start = boot?.AddSeconds(leader.StartTicks / (double)ClockTicksPerSecond) ?? at;
            sessions.Add(new LoginSession(user, ProcStat.TerminalName(leader.TtyNumber), start, ProcStat.IsPseudoTerminal(leader.TtyNumber)));
        }

        var memory = ProcNet.ParseMemInfo(output["meminfo"]);
        var uptime = output["uptime"].Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var up, ..]
            && double.TryParse(up, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : (double?)null;
        var system = new GuestSystem(
            NullIfEmpty(output["hostname"].Trim()),
            NullIfEmpty(output["kernel"].Trim()),
            uptime,
            int.TryParse(output["cpus"].Trim(), CultureInfo.InvariantCulture, out var cpus) && cpus > 0 ? cpus : null,
            memory.TryGetValue("MemTotal", out var total) ? MemorySize.FromKiB(total) : null,
            memory.TryGetValue("MemAvailable", out var available) ? MemorySize.FromKiB(available) : null);

        return Result<InventorySnapshot>.Ok(new InventorySnapshot
        {
            At = at,
            Processes = processes,
            Sockets = sockets,
            Interfaces = ProcNet.ParseDev(output["netdev"], out _),
            Sessions = sessions,
            System = system,
        });
    }

    /// <summary>
    /// The application's name: the kernel's command name, unless it was cut at 15 characters and the executable's file
    /// name continues it. Busybox applets keep their own names (<c>httpd</c>), not <c>busybox</c>.
    /// </summary>
    public static string ExecutableName(string comm, string? executablePath)
    {
        if (comm.Length >= 15 && executablePath is not null)
        {
            var file = executablePath[(executablePath.LastIndexOf('/') + 1)..];
            if (file.StartsWith(comm, StringComparison.Ordinal)) return file;
        }
        return comm;
    }

    /// <summary>
    /// A getty waiting for someone to log in on a terminal: it holds the terminal, but nobody is at it. Most cloud
    /// images run one on the serial console (<c>serial-getty@ttyS0</c>), so counting it would make every VM look
    /// attended. When a person logs in, the getty becomes <c>login</c> and then their shell, which count.
    /// </summary>
    public static bool IsLoginPrompt(string executable) => executable is "agetty" or "getty" or "mingetty" or "mgetty" or "fbgetty" or "ngetty";

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
