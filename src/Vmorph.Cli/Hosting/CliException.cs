namespace Vmorph.Cli.Hosting;

/// <summary>An expected failure of a command: its message is shown as is, and the process exits with <see cref="ExitCode"/>.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.Error) : Exception(message)
{
    /// <summary>The exit code to leave with.</summary>
    public int ExitCode { get; } = exitCode;
}
