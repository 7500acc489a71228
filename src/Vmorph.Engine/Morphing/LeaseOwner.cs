using System.Globalization;

namespace Vmorph.Morphing;

/// <summary>
/// Who holds a morph lease: <c>HOST/PID/START</c>, the host name, the process id and the process's start time in clock
/// ticks since boot (from <c>/proc/PID/stat</c>, so a reused pid is not mistaken for the owner). A lease whose owner is
/// a process on this host that no longer exists can be taken over at once, without waiting for it to expire: that is
/// how <c>vmorph</c> recovers a morph right after its process was killed.
/// </summary>
public static class LeaseOwner
{
    /// <summary>This process as a lease owner.</summary>
    public static string Current { get; } = Describe(Environment.ProcessId);

    /// <summary>The owner string of a process on this host.</summary>
    public static string Describe(int pid) => $"{Environment.MachineName}/{pid}/{StartTime(pid) ?? "?"}";

    /// <summary>
    /// Whether the owner is certainly gone: it names this host and its process no longer runs (or the pid now belongs
    /// to a later process). False when it may still run, including every owner on another host.
    /// </summary>
    public static bool IsGone(string owner)
    {
        var parts = owner.Split('/');
        if (parts.Length != 3 || parts[0] != Environment.MachineName) return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
        if (!OperatingSystem.IsLinux()) return false;
        var start = StartTime(pid);
        return start is null || (parts[2] != "?" && start != parts[2]);
    }

    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces and parentheses: fields after it start past the last ')'.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return rest.Length > 19 ? rest[19] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
