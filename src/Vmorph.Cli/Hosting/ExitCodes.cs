namespace Vmorph.Cli.Hosting;

/// <summary>
/// The exit codes of every command, documented in one table in docs/CLI.md. A usage error has a code of its own
/// (sysexits' <c>EX_USAGE</c>), distinct from every result code, so that <c>[ $? = 2 ] &amp;&amp; vmorph apply</c> after a
/// <c>plan</c> never goes ahead on a typo.
/// </summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>Bad input or a failure: the message on standard error says what and where. Nothing was changed.</summary>
    public const int Error = 1;

    /// <summary><c>plan</c> only: the plan has changes (terraform's <c>-detailed-exitcode</c>).</summary>
    public const int Changes = Vmorph.Planning.PlanExitCodes.Changes;

    /// <summary>The VM asked for is not in the store or on the connection.</summary>
    public const int NotFound = 3;

    /// <summary><c>apply</c> and <c>rollback</c>: the morph was rolled back; the VM is back where it was.</summary>
    public const int RolledBack = 4;

    /// <summary><c>apply</c> and <c>rollback</c>: another morph holds the VM.</summary>
    public const int Busy = 5;

    /// <summary>The command line itself was wrong: an unknown command, option or argument, or a bad option value.</summary>
    public const int Usage = 64;
}
