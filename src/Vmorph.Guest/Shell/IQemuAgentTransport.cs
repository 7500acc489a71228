namespace Vmorph.Guest.Shell;

/// <summary>
/// Sends one QEMU guest agent command (a QMP JSON object) to one guest and returns the agent's JSON answer. The libvirt
/// adapter implements it with <c>virDomainQemuAgentCommand</c>; tests implement it with canned answers.
/// </summary>
public interface IQemuAgentTransport
{
    /// <summary>The guest, as messages name it.</summary>
    string Target { get; }

    /// <summary>Sends <paramref name="command"/>; a failure says why (agent not connected, time-out, libvirt error).</summary>
    Task<Result<string>> ExecuteAsync(string command, TimeSpan timeout, CancellationToken cancellationToken);
}
