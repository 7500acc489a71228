using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Vmorph.Collection;
using Vmorph.Identity;
using Vmorph.Libvirt.Native;

namespace Vmorph.Libvirt;

/// <summary>
/// Receives libvirt's callbacks on the event-loop thread (close of the connection, domain events) and queues them as
/// <see cref="HypervisorEvent"/>s for the collector. The queue is bounded: past <see cref="Capacity"/> the oldest events go.
/// </summary>
internal sealed unsafe class EventSink(TimeProvider clock)
{
    public const int Capacity = 10_000;

    private readonly Channel<HypervisorEvent> channel = Channel.CreateBounded<HypervisorEvent>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Why libvirt closed the connection, once it has.</summary>
    public string? ClosedBecause { get; private set; }

    public ChannelReader<HypervisorEvent> Reader => channel.Reader;

    private void Add(IntPtr dom, string description, bool configuration)
    {
        var uuid = LibvirtNative.Uuid(dom);
        if (uuid is null) return;
        channel.Writer.TryWrite(new HypervisorEvent(new VmId(uuid), LibvirtNative.Name(dom), clock.GetUtcNow(), description, configuration));
    }

    private static EventSink? From(IntPtr opaque) => opaque == IntPtr.Zero ? null : GCHandle.FromIntPtr(opaque).Target as EventSink;

    [UnmanagedCallersOnly]
    public static void OnClose(IntPtr conn, int reason, IntPtr opaque)
    {
        if (From(opaque) is not { } sink) return;
        sink.ClosedBecause = reason switch
        {
            0 => "libvirt closed the connection after an error",
            1 => "libvirtd closed the connection (end of file: the daemon stopped or restarted)",
            2 => "the connection's keepalive timed out (libvirtd does not answer)",
            3 => "the connection was closed by this client",
            _ => $"libvirt closed the connection (reason {reason})",
        };
    }

    [UnmanagedCallersOnly]
    public static void OnLifecycle(IntPtr conn, IntPtr dom, int evt, int detail, IntPtr opaque)
    {
        var what = evt switch
        {
            0 => "defined",
            1 => "undefined",
            2 => "started",
            3 => "suspended",
            4 => "resumed",
            5 => "stopped",
            6 => "shut down",
            7 => "suspended by the guest",
            8 => "crashed",
            _ => $"lifecycle event {evt}",
        };
        From(opaque)?.Add(dom, "lifecycle: " + what, evt is 0 or 1 or 2 or 5 or 6 or 8);
    }

    [UnmanagedCallersOnly]
    public static void OnReboot(IntPtr conn, IntPtr dom, IntPtr opaque) => From(opaque)?.Add(dom, "rebooted", false);

    [UnmanagedCallersOnly]
    public static void OnBalloonChange(IntPtr conn, IntPtr dom, ulong actualKiB, IntPtr opaque) =>
        From(opaque)?.Add(dom, string.Create(CultureInfo.InvariantCulture, $"balloon changed to {actualKiB} KiB"), true);

    [UnmanagedCallersOnly]
    public static void OnDeviceAdded(IntPtr conn, IntPtr dom, IntPtr alias, IntPtr opaque) =>
        From(opaque)?.Add(dom, "device added: " + Marshal.PtrToStringUTF8(alias), true);

    [UnmanagedCallersOnly]
    public static void OnDeviceRemoved(IntPtr conn, IntPtr dom, IntPtr alias, IntPtr opaque) =>
        From(opaque)?.Add(dom, "device removed: " + Marshal.PtrToStringUTF8(alias), true);

    [UnmanagedCallersOnly]
    public static void OnTunable(IntPtr conn, IntPtr dom, IntPtr parameters, int count, IntPtr opaque)
    {
        var values = TypedParameters.Read(parameters, count);
        var text = string.Join(", ", values.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value}")).Take(8));
        From(opaque)?.Add(dom, "tuning changed: " + text, true);
    }

    [UnmanagedCallersOnly]
    public static void OnAgentLifecycle(IntPtr conn, IntPtr dom, int state, int reason, IntPtr opaque) =>
        From(opaque)?.Add(dom, state == 1 ? "guest agent connected" : "guest agent disconnected", false);
}
