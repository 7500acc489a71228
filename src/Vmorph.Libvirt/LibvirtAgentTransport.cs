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
        // libvirt takes whole seconds and blocks: run on a pool thread so that guests are read side by side.
        var seconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, 3600);
        return Task.Run(() => session.AgentCommand(uuid, name, command, seconds), cancellationToken);
    }
}
