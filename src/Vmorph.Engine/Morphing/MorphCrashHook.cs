using System.Diagnostics;
using System.Globalization;
using Vmorph.Morphs;

namespace Vmorph.Morphing;

/// <summary>
/// The test-only crash hook of the crash tests (<c>VMORPH_TEST_CRASH_AT=applying:1</c>): right after journaling the named
/// morph state, the process kills itself with SIGKILL, so a test can stop vmorph (the CLI or the server) at each state of
/// the machine and check what recovery makes of it. Its name says test; it shouts when armed and when it fires.
/// </summary>
public static class MorphCrashHook
{
    /// <summary>The environment variable that arms it: a phase (<c>observing</c>), or a phase and step (<c>applying:2</c>).</summary>
    public const string Variable = "VMORPH_TEST_CRASH_AT";

    /// <summary>The hook for <paramref name="spec"/> (the variable's value), or null when it is empty; <paramref name="say"/> gets what it shouts.</summary>
    public static Func<MorphJournalEntry, ValueTask>? From(string? spec, Action<string> say)
    {
        ArgumentNullException.ThrowIfNull(say);
        if (string.IsNullOrWhiteSpace(spec)) return null;
        var parts = spec.Split(':', 2);
        var phase = parts[0].Trim();
        int? number = parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        say($"TEST HOOK ARMED: {Variable}={spec}: this process will kill itself with SIGKILL right after journaling that morph state. It exists only for vmorph's crash tests; unset it.");
        return entry =>
        {
            var s = entry.State;
            var name = System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(s.Phase.ToString());
            var at = s.Phase == MorphPhase.Applying ? s.Step : s.Phase == MorphPhase.RollingBack ? s.RollbackPosition + 1 : (int?)null;
            if (name == phase && (number is null || number == at) && !s.Finalized)
            {
                say($"TEST HOOK: killing this process (SIGKILL) after journaling '{s.Describe()}' of morph {entry.MorphId} (entry {entry.Sequence})");
                Process.GetCurrentProcess().Kill();
            }
            return ValueTask.CompletedTask;
        };
    }
}
