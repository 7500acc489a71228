using System.Globalization;
using Vmorph.Guest.Shell;

namespace Vmorph.Guest.Scripts;

/// <summary>The POSIX sh + awk scripts vmorph runs inside a machine (embedded; the same text for the guest agent and locally).</summary>
public static class GuestScripts
{
    /// <summary>Reads <c>/proc</c>: processes, sockets, interfaces, sessions, memory.</summary>
    public static string Inventory { get; } = Load("inventory");

    /// <summary>The bounded data-footprint scan that prints only counts.</summary>
    public static string Footprint { get; } = Load("footprint");

    /// <summary>
    /// The fixed wrapper <see cref="Guarded"/> runs: <c>$1</c> is the number of seconds, the rest is
    /// <c>SCRIPT NAME ARG...</c> for <c>/bin/sh -c</c>. It uses <c>timeout -s KILL</c> where the guest has one that
    /// takes that syntax (GNU coreutils, busybox 1.30 and later; an older busybox wants <c>-t</c> and fails the probe),
    /// and runs the script unguarded otherwise. It is constant text: data only ever reaches it as argv entries.
    /// </summary>
    internal const string Guard = """
        s=$1; shift
        if command -v timeout >/dev/null 2>&1 && timeout -s KILL 5 true >/dev/null 2>&1; then exec timeout -s KILL "$s" /bin/sh -c "$@"; fi
        exec /bin/sh -c "$@"
        """;

    /// <summary>
    /// The command that runs <paramref name="script"/> as <c>/bin/sh -c SCRIPT NAME ARG...</c> inside a machine and
    /// has the machine kill it (SIGKILL) after <paramref name="killAfter"/> (whole seconds, rounded up), so that a
    /// script whose caller gave up never keeps running there; <paramref name="timeout"/> is how long the caller waits.
    /// Every argument is an argv entry, never shell text.
    /// </summary>
    public static GuestCommand Guarded(string script, string name, IEnumerable<string> arguments, TimeSpan killAfter, TimeSpan timeout)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(killAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return new GuestCommand("/bin/sh", ["-c", Guard, "vmorph-guard", seconds, script, name, .. arguments], timeout);
    }

    private static string Load(string name)
    {
        using var stream = typeof(GuestScripts).Assembly.GetManifestResourceStream($"Vmorph.Guest.Scripts.{name}.sh")
            ?? throw new InvalidOperationException($"the {name}.sh script is not embedded in {typeof(GuestScripts).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
