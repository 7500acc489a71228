using Vmorph.Guest.Shell;

namespace Vmorph.Libvirt;

/// <summary>The QEMU guest agent of one domain, reached with <c>virDomainQemuAgentCommand</c> (libvirt-qemu.so.0).</summary>
internal sealed class LibvirtAgentTransport(LibvirtSession session, string uuid, string name) : IQemuAgentTransport
{
    /// <inheritdoc />
    public string Target => name;

    /// <inheritdoc />
    public Task<Result<string>> ExecuteAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // libvirt takes whole seconds and blocks until the guest answers (tens of milliseconds to seconds under TCG). On
        // a thread of its own, so that guests are read side by side without holding pool threads: when the calls ran on
        // the pool, three guests' blocking calls could take all of a 2-core machine's pool threads, and every awaiting
        // continuation then waited for the pool to grow (cycles of 1.0-1.3 s instead of ~0.2 s, seen with a slower
        // poll schedule; more guests than cores would do the same).
        var seconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, 3600);
        return Task.Factory.StartNew(() => session.AgentCommand(uuid, name, command, seconds), cancellationToken,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
    }
}
