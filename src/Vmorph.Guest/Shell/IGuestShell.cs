namespace Vmorph.Guest.Shell;

/// <summary>
/// A program to run inside a guest: an executable and its arguments as separate strings (an argument vector, never a
/// shell command line built from data), with a time limit and a cap on the output kept.
/// </summary>
/// <param name="Path">The executable's absolute path in the guest (<c>/bin/sh</c>).</param>
/// <param name="Arguments">Its arguments, each passed as it is.</param>
/// <param name="Timeout">How long it may run before the caller gives up on it.</param>
public sealed record GuestCommand(string Path, IReadOnlyList<string> Arguments, TimeSpan Timeout);

/// <summary>What a program run in a guest produced.</summary>
/// <param name="ExitCode">Its exit code (128 + N when killed by signal N).</param>
/// <param name="Stdout">Its standard output.</param>
/// <param name="Stderr">Its standard error.</param>
/// <param name="Truncated">Whether the guest cut the output short.</param>
/// <param name="Elapsed">How long it took, seen from the caller, round trips included.</param>
public sealed record GuestCommandOutput(int ExitCode, byte[] Stdout, byte[] Stderr, bool Truncated, TimeSpan Elapsed);

/// <summary>
/// Runs programs and reads files inside one machine: a guest through the QEMU guest agent, or the local machine for
/// <c>vmorph agent</c>. Failures that are expected (no agent, a time-out, an answer that makes no sense) are returned as
/// failed results naming the machine and what failed; nothing is made up in their place.
/// </summary>
public interface IGuestShell
{
    /// <summary>The machine, as messages name it (<c>lab-1</c>, <c>local</c>).</summary>
    string Target { get; }

    /// <summary>Runs a program and waits for it to finish.</summary>
    Task<Result<GuestCommandOutput>> RunAsync(GuestCommand command, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="maxBytes"/> bytes of a file.</summary>
    Task<Result<byte[]>> ReadFileAsync(string path, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken);
}
