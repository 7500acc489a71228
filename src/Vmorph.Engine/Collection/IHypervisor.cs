namespace Vmorph.Collection;

/// <summary>
/// Connects to a hypervisor (libvirt's C library in production, <c>test:///default</c> or a test double in tests).
/// The collector talks to the hypervisor only through this port and <see cref="IHypervisorSession"/>.
/// </summary>
public interface IHypervisor
{
    /// <summary>Opens a session; throws <see cref="HypervisorUnavailableException"/> naming the URI and the reason.</summary>
    Task<IHypervisorSession> ConnectAsync(string uri, CancellationToken cancellationToken);
}

/// <summary>
/// One open connection. Methods that fail because the connection is gone throw <see cref="HypervisorUnavailableException"/>;
/// the collector then reconnects with backoff. A failure of one domain (it vanished, its agent does not answer) is a
/// value in the result, never an exception.
/// </summary>
public interface IHypervisorSession : IAsyncDisposable
{
    /// <summary>The connection URI.</summary>
    string Uri { get; }

    /// <summary>Every domain with its configuration as the hypervisor sees it now.</summary>
    Task<IReadOnlyList<DomainDescription>> DescribeDomainsAsync(CancellationToken cancellationToken);

    /// <summary>Cumulative counters of every running domain, read in one call.</summary>
    Task<IReadOnlyList<DomainCounters>> ReadCountersAsync(CancellationToken cancellationToken);

    /// <summary>The events received since the last call (lifecycle, balloon, device, tuning changes).</summary>
    IReadOnlyList<HypervisorEvent> DrainEvents();

    /// <summary>Completes when an event is waiting to be drained (or the token is cancelled).</summary>
    Task WaitForEventAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The guest's own CPU times (through its guest agent), cheap enough for every reading of the counters; empty when the
    /// guest cannot say (no agent, an agent without the command, a time-out).
    /// </summary>
    Task<IReadOnlyList<GuestCpuTime>> ReadGuestCpuAsync(DomainDescription domain, CancellationToken cancellationToken);

    /// <summary>Reads the guest from inside (through its guest agent); a failure is returned as <see cref="GuestView.Missing"/>.</summary>
    Task<GuestView> ObserveGuestAsync(DomainDescription domain, GuestViewRequest request, CancellationToken cancellationToken);
}

/// <summary>The hypervisor cannot be reached: the URI does not answer, or the connection was lost.</summary>
public sealed class HypervisorUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
