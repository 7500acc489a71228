namespace Vmorph.Cli.Hosting;

/// <summary>The exit codes of every command, documented in docs/CLI.md.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>Bad input or a failure: the message on standard error says what and where. Nothing was changed.</summary>
    public const int Error = 1;

    /// <summary>The command line itself was wrong (unknown command or option).</summary>
    public const int Usage = 2;

    /// <summary>The VM asked for is not in the store.</summary>
    public const int NotFound = 3;
}
