using Vmorph.Collection;
using Vmorph.Guest;
using Vmorph.Libvirt.Native;

namespace Vmorph.Libvirt;

/// <summary>
/// <see cref="IHypervisor"/> through libvirt's C library. Connections get keepalive, a close notification and domain
/// events (lifecycle, balloon, device added/removed, tuning, guest agent) on libvirt's event loop, which runs on its
/// own thread.
/// </summary>
/// <param name="clock">The clock for timestamps.</param>
/// <param name="guestOptions">How guests are read from inside (time-out, scan budget); paths come with each request.</param>
public sealed class LibvirtHypervisor(TimeProvider clock, GuestReadOptions? guestOptions = null) : IHypervisor
{
    /// <inheritdoc />
    public Task<IHypervisorSession> ConnectAsync(string uri, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            LibvirtEventLoop.EnsureStarted();
        }
        catch (DllNotFoundException e)
        {
            throw new HypervisorUnavailableException($"cannot connect to {uri}: libvirt's client library (libvirt.so.0) is not installed: apt-get install libvirt0 ({e.Message})", e);
        }
        return Task.FromResult<IHypervisorSession>(LibvirtSession.Open(uri, clock, guestOptions ?? new GuestReadOptions()));
    }
}
