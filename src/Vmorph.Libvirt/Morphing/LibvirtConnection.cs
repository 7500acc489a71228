using System.Runtime.InteropServices;
using Vmorph.Guest.Shell;
using Vmorph.Libvirt.Native;

namespace Vmorph.Libvirt.Morphing;

/// <summary>
/// A plain libvirt connection for morphing (no event callbacks: the morph driver asks, it does not listen). Every call
/// runs on a pool thread and reads libvirt's error on that same thread, so the message belongs to the call.
/// </summary>
internal sealed class LibvirtConnection : IDisposable
{
    private IntPtr connection;

    private LibvirtConnection(string uri, IntPtr connection)
    {
        Uri = uri;
        this.connection = connection;
    }

    /// <summary>The connection URI.</summary>
    public string Uri { get; }

    /// <summary>Opens a connection, or says why it cannot.</summary>
    public static Result<LibvirtConnection> Open(string uri)
    {
        try
        {
            LibvirtEventLoop.EnsureStarted();
        }
        catch (DllNotFoundException e)
        {
            return Result<LibvirtConnection>.Fail($"cannot connect to {uri}: libvirt's client library (libvirt.so.0) is not installed: apt-get install libvirt0 ({e.Message})");
        }
        var handle = LibvirtNative.virConnectOpen(uri);
        if (handle == IntPtr.Zero) return Result<LibvirtConnection>.Fail($"cannot connect to {uri}: {LibvirtNative.LastError()} (is libvirtd running? 'scripts/lab up' starts the lab's)");
        _ = LibvirtNative.virConnectSetKeepAlive(handle, 5, 3);
        return Result<LibvirtConnection>.Ok(new LibvirtConnection(uri, handle));
    }

    private IntPtr Handle => connection != IntPtr.Zero ? connection : throw new ObjectDisposedException(nameof(LibvirtConnection));

    /// <summary>Runs <paramref name="body"/> with the domain (by UUID or name) on a pool thread; a missing domain is a failure naming it.</summary>
    public Task<Result<T>> WithDomainAsync<T>(string idOrName, Func<IntPtr, Result<T>> body, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var dom = Guid.TryParse(idOrName, out _) ? LibvirtNative.virDomainLookupByUUIDString(Handle, idOrName) : IntPtr.Zero;
            if (dom == IntPtr.Zero) dom = LibvirtNative.virDomainLookupByName(Handle, idOrName);
            if (dom == IntPtr.Zero) return Result<T>.Fail($"no domain '{idOrName}' on {Uri}: {LibvirtNative.LastError()}");
            try
            {
                return body(dom);
            }
            finally
            {
                _ = LibvirtNative.virDomainFree(dom);
            }
        }, cancellationToken);

    /// <summary>Runs <paramref name="body"/> with the connection handle on a pool thread.</summary>
    public Task<T> WithConnectionAsync<T>(Func<IntPtr, T> body, CancellationToken cancellationToken) => Task.Run(() => body(Handle), cancellationToken);

    /// <summary>A failure from libvirt's last error on this thread: <c>WHAT: message</c>.</summary>
    public static Result<T> Failed<T>(string what) => Result<T>.Fail($"{what}: {LibvirtNative.LastError()}");

    /// <summary>The domain's state code (<c>virDomainGetState</c>), or null.</summary>
    public static int? State(IntPtr dom) => LibvirtNative.virDomainGetState(dom, out var state, out _, 0) == 0 ? state : null;

    /// <summary>Whether the state code is running (or blocked on I/O).</summary>
    public static bool IsRunning(int? state) => state is LibvirtNative.DomainRunning or LibvirtNative.DomainBlocked;

    /// <summary>The domain's XML (live when it runs, else the persistent definition; <paramref name="flags"/> as libvirt takes them).</summary>
    public static string? Xml(IntPtr dom, uint flags = 0) => LibvirtNative.TakeString(LibvirtNative.virDomainGetXMLDesc(dom, flags));

    /// <summary>The QEMU guest agent of a domain as an <see cref="IQemuAgentTransport"/>.</summary>
    public IQemuAgentTransport Agent(string uuid, string name) => new AgentTransport(this, uuid, name);

    private sealed class AgentTransport(LibvirtConnection owner, string uuid, string name) : IQemuAgentTransport
    {
        public string Target => name;

        public async Task<Result<string>> ExecuteAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var seconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, 3600);
            return await owner.WithDomainAsync(uuid, dom =>
            {
                var answer = LibvirtNative.TakeString(LibvirtNative.virDomainQemuAgentCommand(dom, command, seconds, 0));
                return answer is not null ? Result<string>.Ok(answer) : Result<string>.Fail(LibvirtNative.LastError());
            }, cancellationToken);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var handle = connection;
        connection = IntPtr.Zero;
        if (handle != IntPtr.Zero) _ = LibvirtNative.virConnectClose(handle);
    }

    /// <summary>Reads a pointer array element.</summary>
    public static IntPtr At(IntPtr array, int index) => Marshal.ReadIntPtr(array, index * IntPtr.Size);
}
