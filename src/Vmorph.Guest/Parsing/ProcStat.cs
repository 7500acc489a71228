using System.Globalization;

namespace Vmorph.Guest.Parsing;

/// <summary>The fields vmorph uses of one <c>/proc/[pid]/stat</c> line (see proc(5)).</summary>
/// <param name="Pid">Process id.</param>
/// <param name="Comm">The command name the kernel keeps (at most 15 characters).</param>
/// <param name="State">R, S, D, Z, T, I, ...</param>
/// <param name="ParentPid">The parent's id.</param>
/// <param name="Session">The session id.</param>
/// <param name="TtyNumber">The controlling terminal (0: none).</param>
/// <param name="Flags">The kernel's process flags (PF_*).</param>
/// <param name="UserTicks">CPU time in user mode, in clock ticks.</param>
/// <param name="SystemTicks">CPU time in kernel mode, in clock ticks.</param>
/// <param name="StartTicks">When it started, in clock ticks after boot.</param>
/// <param name="ResidentPages">Resident set size in pages.</param>
public sealed record ProcStat(int Pid, string Comm, char State, int ParentPid, int Session, int TtyNumber, long Flags,
    long UserTicks, long SystemTicks, long StartTicks, long ResidentPages)
{
    /// <summary>PF_KTHREAD: the process is a kernel thread.</summary>
    public const long KernelThreadFlag = 0x00200000;

    /// <summary>Whether it is a kernel thread (no executable, not an application).</summary>
    public bool IsKernelThread => (Flags & KernelThreadFlag) != 0 || Pid == 2 || ParentPid == 2;

    /// <summary>
    /// Parses one line; null if it is not a stat line (a process that vanished mid-read leaves a partial one). The
    /// command name may hold spaces and parentheses, so it runs from the first '(' to the last ')'; the inventory script
    /// escapes its control characters and backslashes (<see cref="ScriptEscape"/>), decoded here.
    /// </summary>
    public static ProcStat? Parse(ReadOnlySpan<char> line)
    {
        var open = line.IndexOf('(');
        var close = line.LastIndexOf(')');
        if (open <= 0 || close < open) return null;
        if (!int.TryParse(line[..open].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
        var comm = ScriptEscape.Decode(line[(open + 1)..close].ToString());
        Span<Range> ranges = stackalloc Range[24];
        var rest = line[(close + 1)..].Trim();
        var count = rest.Split(ranges, ' ', StringSplitOptions.RemoveEmptyEntries);
        if (count < 22) return null;
        var state = rest[ranges[0]];
        if (state.Length != 1) return null;
        ReadOnlySpan<int> wanted = [1, 3, 4, 6, 11, 12, 19, 21];
        Span<long> values = stackalloc long[wanted.Length];
        for (var i = 0; i < wanted.Length; i++)
        {
            if (!long.TryParse(rest[ranges[wanted[i]]], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i])) return null;
        }
        return new ProcStat(pid, comm, state[0], (int)values[0], (int)values[1], (int)values[2], values[3], values[4], values[5], values[6], values[7]);
    }

    /// <summary>
    /// The name of a terminal from its device number (proc(5) <c>tty_nr</c>): <c>tty1</c>, <c>ttyS0</c>, <c>pts/3</c>,
    /// or <c>MAJOR:MINOR</c> for others; null for none.
    /// </summary>
    public static string? TerminalName(int ttyNumber)
    {
        if (ttyNumber == 0) return null;
        var major = (ttyNumber >> 8) & 0xfff;
        var minor = (ttyNumber & 0xff) | ((ttyNumber >> 12) & 0xfff00);
        return major switch
        {
            4 when minor < 64 => $"tty{minor}",
            4 => $"ttyS{minor - 64}",
            >= 136 and <= 143 => $"pts/{(major - 136) * 256 + minor}",
            _ => $"{major}:{minor}",
        };
    }

    /// <summary>Whether a terminal is a pseudo-terminal (ssh, a terminal emulator): a remote or graphical session.</summary>
    public static bool IsPseudoTerminal(int ttyNumber) => ((ttyNumber >> 8) & 0xfff) is >= 136 and <= 143;
}
