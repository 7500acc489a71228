using System.Runtime.InteropServices;
using Vmorph.Collection;
using Vmorph.Guest;
using Vmorph.Guest.Shell;
using Vmorph.Identity;
using Vmorph.Libvirt.Native;

namespace Vmorph.Libvirt;

/// <summary>
/// One open libvirt connection (<see cref="IHypervisorSession"/>). A call that fails because the connection is gone
/// throws <see cref="HypervisorUnavailableException"/> with libvirt's message and, where libvirt told, why it closed;
/// a domain that vanishes mid-call is left out, not an error.
/// </summary>
internal sealed class LibvirtSession : IHypervisorSession
{
    private static readonly (int Id, IntPtr Callback)[] EventCallbacks = Callbacks();

    private static unsafe (int, IntPtr)[] Callbacks() =>
    [
        (LibvirtNative.EventIdLifecycle, (IntPtr)(delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, void>)&EventSink.OnLifecycle),
        (LibvirtNative.EventIdReboot, (IntPtr)(delegate* unmanaged<IntPtr, IntPtr, IntPtr, void>)&EventSink.OnReboot),
        (LibvirtNative.EventIdBalloonChange, (IntPtr)(delegate* unmanaged<IntPtr, IntPtr, ulong, IntPtr, void>)&EventSink.OnBalloonChange),
        (LibvirtNative.EventIdDeviceAdded, (IntPtr)(delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, void>)&EventSink.OnDeviceAdded),
        (LibvirtNative.EventIdDeviceRemoved, (IntPtr)(delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, void>)&EventSink.OnDeviceRemoved),
        (LibvirtNative.EventIdTunable, (IntPtr)(delegate* unmanaged<IntPtr, IntPtr, IntPtr, int, IntPtr, void>)&EventSink.OnTunable),
        (LibvirtNative.EventIdAgentLifecycle, (IntPtr)(delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, void>)&EventSink.OnAgentLifecycle),
    ];

    private readonly TimeProvider clock;
    private readonly GuestReadOptions guestOptions;
    private readonly EventSink sink;
    private readonly GCHandle sinkHandle;
    private readonly List<int> callbackIds = [];
    private readonly BackingChainProbe backing = new();
    private IntPtr connection;
    private bool closeRegistered;

    private LibvirtSession(string uri, IntPtr connection, TimeProvider clock, GuestReadOptions guestOptions)
    {
        Uri = uri;
        this.connection = connection;
        this.clock = clock;
        this.guestOptions = guestOptions;
        sink = new EventSink(clock);
        // Kept for the life of the process: libvirt may still call back on its event thread while a close is under way.
        sinkHandle = GCHandle.Alloc(sink);
    }

    /// <inheritdoc />
    public string Uri { get; }

    /// <summary>Opens a connection; throws <see cref="HypervisorUnavailableException"/> naming the URI and libvirt's reason.</summary>
    public static LibvirtSession Open(string uri, TimeProvider clock, GuestReadOptions guestOptions)
    {
        var connection = LibvirtNative.virConnectOpen(uri);
        if (connection == IntPtr.Zero)
            throw new HypervisorUnavailableException($"cannot connect to {uri}: {LibvirtNative.LastError()}");
        var session = new LibvirtSession(uri, connection, clock, guestOptions);
        session.Register();
        return session;
    }

    private unsafe void Register()
    {
        var opaque = GCHandle.ToIntPtr(sinkHandle);
        // Not every driver has keepalive (test:///default does not): without it a dead daemon is noticed at the next call.
        _ = LibvirtNative.virConnectSetKeepAlive(connection, 5, 3);
        closeRegistered = LibvirtNative.virConnectRegisterCloseCallback(connection, &EventSink.OnClose, opaque, IntPtr.Zero) == 0;
        foreach (var (id, callback) in EventCallbacks)
        {
            var callbackId = LibvirtNative.virConnectDomainEventRegisterAny(connection, IntPtr.Zero, id, callback, opaque, IntPtr.Zero);
            if (callbackId >= 0) callbackIds.Add(callbackId);
        }
    }

    /// <summary>Whether the connection is still usable.</summary>
    public bool IsAlive => connection != IntPtr.Zero && sink.ClosedBecause is null && LibvirtNative.virConnectIsAlive(connection) == 1;

    private HypervisorUnavailableException Lost(string what)
    {
        var message = LibvirtNative.LastError();
        return new HypervisorUnavailableException($"{what} failed: {message}" + (sink.ClosedBecause is { } why ? $" ({why})" : ""));
    }

    private IntPtr Connection => connection != IntPtr.Zero ? connection : throw new HypervisorUnavailableException($"the connection to {Uri} is closed");

    /// <inheritdoc />
    public Task<IReadOnlyList<DomainDescription>> DescribeDomainsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var count = LibvirtNative.virConnectListAllDomains(Connection, out var array, 0);
        if (count < 0) throw Lost("listing the domains");
        var domains = new List<DomainDescription>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var dom = Marshal.ReadIntPtr(array, i * IntPtr.Size);
                if (Describe(dom) is { } described) domains.Add(described);
            }
        }
        finally
        {
            for (var i = 0; i < count; i++) _ = LibvirtNative.virDomainFree(Marshal.ReadIntPtr(array, i * IntPtr.Size));
            LibvirtNative.free(array);
        }
        if (domains.Count < count && !IsAlive) throw Lost("describing the domains");
        return Task.FromResult<IReadOnlyList<DomainDescription>>(domains.OrderBy(d => d.Name, StringComparer.Ordinal).ToList());
    }

    private DomainDescription? Describe(IntPtr dom)
    {
        var uuid = LibvirtNative.Uuid(dom);
        if (uuid is null) return null;
        var name = LibvirtNative.Name(dom);
        if (LibvirtNative.virDomainGetState(dom, out var state, out _, 0) < 0) return null;
        var runtimeId = LibvirtNative.virDomainGetID(dom);
        var xml = LibvirtNative.TakeString(LibvirtNative.virDomainGetXMLDesc(dom, 0));
        if (xml is null) return null;
        var parsed = DomainXml.Parse(xml, target =>
            LibvirtNative.virDomainGetBlockInfo(dom, target, out var info, 0) == 0 ? (long)info.Capacity : null, backing.BottomOf);
        if (!parsed.IsSuccess) return null;
        return new DomainDescription(new VmId(uuid), name, MapState(state), runtimeId == uint.MaxValue ? null : (int)runtimeId,
            parsed.Value.Configuration, parsed.Value.BaseImage, parsed.Value.GuestAgent, parsed.Value.Labels);
    }

    internal static DomainState MapState(int state) => state switch
    {
        LibvirtNative.DomainRunning or LibvirtNative.DomainBlocked => DomainState.Running,
        LibvirtNative.DomainPaused => DomainState.Paused,
        LibvirtNative.DomainShutdown => DomainState.ShuttingDown,
        LibvirtNative.DomainShutoff => DomainState.ShutOff,
        LibvirtNative.DomainCrashed => DomainState.Crashed,
        LibvirtNative.DomainPmSuspended => DomainState.Suspended,
        _ => DomainState.Unknown,
    };

    /// <inheritdoc />
    public Task<IReadOnlyList<DomainCounters>> ReadCountersAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const uint groups = LibvirtNative.StatsState | LibvirtNative.StatsCpuTotal | LibvirtNative.StatsBalloon
            | LibvirtNative.StatsVcpu | LibvirtNative.StatsInterface | LibvirtNative.StatsBlock;
        var count = LibvirtNative.virConnectGetAllDomainStats(Connection, groups, out var records, LibvirtNative.GetAllDomainsStatsActive);
        var at = clock.GetUtcNow();
        var monotonic = clock.GetTimestamp() / (double)clock.TimestampFrequency;
        if (count < 0) throw Lost("reading the domain statistics");
        var result = new List<DomainCounters>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var record = Marshal.PtrToStructure<LibvirtNative.StatsRecord>(Marshal.ReadIntPtr(records, i * IntPtr.Size));
                var uuid = LibvirtNative.Uuid(record.Domain);
                if (uuid is null) continue;
                var runtimeId = LibvirtNative.virDomainGetID(record.Domain);
                result.Add(StatsMapper.ToCounters(new VmId(uuid), runtimeId == uint.MaxValue ? null : (int)runtimeId, at, monotonic,
                    TypedParameters.Read(record.Parameters, record.Count)));
            }
        }
        finally
        {
            if (records != IntPtr.Zero) LibvirtNative.virDomainStatsRecordListFree(records);
        }
        return Task.FromResult<IReadOnlyList<DomainCounters>>(result);
    }

    /// <inheritdoc />
    public IReadOnlyList<HypervisorEvent> DrainEvents()
    {
        var events = new List<HypervisorEvent>();
        while (sink.Reader.TryRead(out var e)) events.Add(e);
        return events;
    }

    /// <inheritdoc />
    public async Task WaitForEventAsync(CancellationToken cancellationToken) => await sink.Reader.WaitToReadAsync(cancellationToken);

    /// <inheritdoc />
    public async Task<GuestView> ObserveGuestAsync(DomainDescription domain, GuestViewRequest request, CancellationToken cancellationToken)
    {
        switch (domain.GuestAgent)
        {
            case GuestAgentState.None:
                return GuestView.Unavailable($"{domain.Name}: the domain has no QEMU guest agent channel ({DomainXml.AgentChannel}): add one and run qemu-ga in the guest to see it from inside");
            case GuestAgentState.Disconnected:
                return GuestView.Unavailable($"{domain.Name}: the QEMU guest agent is not connected (qemu-ga is not running in the guest, or the guest is still booting)");
        }
        var transport = new LibvirtAgentTransport(this, domain.Id.Value, domain.Name);
        var reader = new GuestInventoryReader(new QemuAgentShell(transport, clock), clock);
        var read = await reader.ReadAsync(guestOptions with { Footprint = request.Footprint, ScanPaths = request.ScanPaths }, cancellationToken);
        return new GuestView(read.Snapshot, read.Failure, read.Problems, read.Elapsed);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<GuestCpuTime>> ReadGuestCpuAsync(DomainDescription domain, CancellationToken cancellationToken)
    {
        if (domain.GuestAgent is GuestAgentState.None or GuestAgentState.Disconnected) return [];
        var answer = await new LibvirtAgentTransport(this, domain.Id.Value, domain.Name).ExecuteAsync(AgentCpuStats.Command, guestOptions.Timeout, cancellationToken);
        return answer.IsSuccess ? AgentCpuStats.Parse(answer.Value) : [];
    }

    /// <summary>Sends one agent command to a domain (blocking; called on a pool thread).</summary>
    internal Result<string> AgentCommand(string uuid, string name, string command, int timeoutSeconds)
    {
        var dom = LibvirtNative.virDomainLookupByUUIDString(Connection, uuid);
        if (dom == IntPtr.Zero)
        {
            if (!IsAlive) throw Lost($"looking up {name}");
            return Result<string>.Fail($"the domain is gone: {LibvirtNative.LastError()}");
        }
        try
        {
            var answer = LibvirtNative.TakeString(LibvirtNative.virDomainQemuAgentCommand(dom, command, timeoutSeconds, 0));
            if (answer is not null) return Result<string>.Ok(answer);
            var error = LibvirtNative.LastError();
            if (!IsAlive) throw Lost($"the guest agent command to {name}");
            return Result<string>.Fail(error);
        }
        finally
        {
            _ = LibvirtNative.virDomainFree(dom);
        }
    }

    /// <inheritdoc />
    public unsafe ValueTask DisposeAsync()
    {
        var conn = connection;
        connection = IntPtr.Zero;
        if (conn != IntPtr.Zero)
        {
            foreach (var id in callbackIds) _ = LibvirtNative.virConnectDomainEventDeregisterAny(conn, id);
            if (closeRegistered) _ = LibvirtNative.virConnectUnregisterCloseCallback(conn, &EventSink.OnClose);
            _ = LibvirtNative.virConnectClose(conn);
        }
        return ValueTask.CompletedTask;
    }
}
