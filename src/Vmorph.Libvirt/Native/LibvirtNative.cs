using System.Runtime.InteropServices;

namespace Vmorph.Libvirt.Native;

/// <summary>
/// The parts of libvirt's C API vmorph calls (see shared/LAB.md for the measured facts behind them). Strings libvirt
/// keeps (<c>virDomainGetName</c>, error messages) come back as pointers read with <c>PtrToStringUTF8</c>; strings the
/// caller owns (<c>virDomainGetXMLDesc</c>, agent answers) are freed with libc <c>free</c>.
/// </summary>
internal static unsafe partial class LibvirtNative
{
    private const string Lib = "libvirt.so.0";
    private const string QemuLib = "libvirt-qemu.so.0";
    private const string LibC = "libc";

    public const int DomainRunning = 1;
    public const int DomainBlocked = 2;
    public const int DomainPaused = 3;
    public const int DomainShutdown = 4;
    public const int DomainShutoff = 5;
    public const int DomainCrashed = 6;
    public const int DomainPmSuspended = 7;

    public const uint StatsState = 1, StatsCpuTotal = 2, StatsBalloon = 4, StatsVcpu = 8, StatsInterface = 16, StatsBlock = 32;
    public const uint GetAllDomainsStatsActive = 1;

    public const int EventIdLifecycle = 0, EventIdReboot = 1, EventIdBalloonChange = 13, EventIdDeviceRemoved = 15,
        EventIdTunable = 17, EventIdAgentLifecycle = 18, EventIdDeviceAdded = 19;

    [LibraryImport(Lib)] public static partial int virEventRegisterDefaultImpl();
    [LibraryImport(Lib)] public static partial int virEventRunDefaultImpl();
    [LibraryImport(Lib)] public static partial void virSetErrorFunc(IntPtr userData, delegate* unmanaged<IntPtr, IntPtr, void> handler);
    [LibraryImport(Lib)] public static partial IntPtr virGetLastError();
    [LibraryImport(Lib)] public static partial IntPtr virGetLastErrorMessage();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr virConnectOpen(string? name);
    [LibraryImport(Lib)] public static partial int virConnectClose(IntPtr conn);
    [LibraryImport(Lib)] public static partial int virConnectIsAlive(IntPtr conn);
    [LibraryImport(Lib)] public static partial int virConnectSetKeepAlive(IntPtr conn, int interval, uint count);
    [LibraryImport(Lib)] public static partial int virConnectRegisterCloseCallback(IntPtr conn, delegate* unmanaged<IntPtr, int, IntPtr, void> cb, IntPtr opaque, IntPtr freecb);
    [LibraryImport(Lib)] public static partial int virConnectUnregisterCloseCallback(IntPtr conn, delegate* unmanaged<IntPtr, int, IntPtr, void> cb);
    [LibraryImport(Lib)] public static partial int virConnectDomainEventRegisterAny(IntPtr conn, IntPtr dom, int eventId, IntPtr cb, IntPtr opaque, IntPtr freecb);
    [LibraryImport(Lib)] public static partial int virConnectDomainEventDeregisterAny(IntPtr conn, int callbackId);

    [LibraryImport(Lib)] public static partial int virConnectListAllDomains(IntPtr conn, out IntPtr domains, uint flags);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr virDomainLookupByUUIDString(IntPtr conn, string uuid);
    [LibraryImport(Lib)] public static partial int virDomainFree(IntPtr dom);
    [LibraryImport(Lib)] public static partial IntPtr virDomainGetName(IntPtr dom);
    [LibraryImport(Lib)] public static partial int virDomainGetUUIDString(IntPtr dom, byte* buffer);
    [LibraryImport(Lib)] public static partial uint virDomainGetID(IntPtr dom);
    [LibraryImport(Lib)] public static partial int virDomainGetState(IntPtr dom, out int state, out int reason, uint flags);
    [LibraryImport(Lib)] public static partial IntPtr virDomainGetXMLDesc(IntPtr dom, uint flags);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int virDomainGetBlockInfo(IntPtr dom, string disk, out BlockInfo info, uint flags);

    [LibraryImport(Lib)] public static partial int virConnectGetAllDomainStats(IntPtr conn, uint stats, out IntPtr records, uint flags);
    [LibraryImport(Lib)] public static partial void virDomainStatsRecordListFree(IntPtr records);

    // Morphing (src/Vmorph.Libvirt/Morphing): changes to a domain, snapshots, lifecycle.
    public const uint AffectLive = 1, AffectConfig = 2;
    public const uint VcpuMaximum = 4;
    public const uint MemMaximum = 4;
    public const uint XmlInactive = 2;
    public const uint BlockResizeBytes = 1;
    public const uint SnapshotCreateAtomic = 128;
    public const uint SnapshotRevertRunning = 1;
    public const uint ShutdownGuestAgent = 4;
    public const int ErrNoDomainSnapshot = 72;

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr virDomainLookupByName(IntPtr conn, string name);
    [LibraryImport(Lib)] public static partial int virDomainSetVcpusFlags(IntPtr dom, uint nvcpus, uint flags);
    [LibraryImport(Lib)] public static partial int virDomainSetMemoryFlags(IntPtr dom, ulong memoryKiB, uint flags);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int virDomainSetBlockIoTune(IntPtr dom, string disk, IntPtr parameters, int count, uint flags);
    [LibraryImport(Lib)] public static partial int virDomainSetSchedulerParametersFlags(IntPtr dom, IntPtr parameters, int count, uint flags);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int virDomainBlockResize(IntPtr dom, string disk, ulong size, uint flags);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr virDomainSnapshotCreateXML(IntPtr dom, string xml, uint flags);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr virDomainSnapshotLookupByName(IntPtr dom, string name, uint flags);
    [LibraryImport(Lib)] public static partial int virDomainRevertToSnapshot(IntPtr snapshot, uint flags);
    [LibraryImport(Lib)] public static partial int virDomainSnapshotDelete(IntPtr snapshot, uint flags);
    [LibraryImport(Lib)] public static partial int virDomainSnapshotFree(IntPtr snapshot);
    [LibraryImport(Lib)] public static partial int virDomainShutdownFlags(IntPtr dom, uint flags);
    [LibraryImport(Lib)] public static partial int virDomainDestroy(IntPtr dom);
    [LibraryImport(Lib)] public static partial int virDomainCreate(IntPtr dom);

    // The host (src/Vmorph.Libvirt/Host): what it has and what its hypervisor can do.
    public const int NodeMemoryStatsAllCells = -1;

    [LibraryImport(Lib)] public static partial int virNodeGetInfo(IntPtr conn, out NodeInfo info);
    [LibraryImport(Lib)] public static partial int virNodeGetMemoryStats(IntPtr conn, int cellNum, NodeMemoryStats* parameters, ref int count, uint flags);
    [LibraryImport(Lib)] public static partial IntPtr virConnectGetHostname(IntPtr conn);
    [LibraryImport(Lib)] public static partial IntPtr virConnectGetType(IntPtr conn);
    [LibraryImport(Lib)] public static partial int virConnectGetVersion(IntPtr conn, out ulong version);
    [LibraryImport(Lib)] public static partial int virConnectGetLibVersion(IntPtr conn, out ulong version);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int virConnectGetMaxVcpus(IntPtr conn, string? type);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr virConnectGetDomainCapabilities(IntPtr conn, string? emulatorbin, string? arch, string? machine, string? virttype, uint flags);

    [LibraryImport(QemuLib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr virDomainQemuAgentCommand(IntPtr dom, string command, int timeout, uint flags);

    [LibraryImport(LibC)] public static partial void free(IntPtr pointer);

    /// <summary><c>virDomainBlockInfo</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BlockInfo
    {
        public ulong Capacity;
        public ulong Allocation;
        public ulong Physical;
    }

    /// <summary><c>virNodeInfo</c>: <c>unsigned long</c> is 64-bit on Linux x86-64 (64 bytes in all).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NodeInfo
    {
        public fixed byte Model[32];
        public ulong MemoryKiB;
        public uint Cpus;
        public uint Mhz;
        public uint Nodes;
        public uint Sockets;
        public uint Cores;
        public uint Threads;
    }

    /// <summary><c>virNodeMemoryStats</c>: an 80-byte field name and a value in KiB (88 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NodeMemoryStats
    {
        public fixed byte Field[80];
        public ulong Value;
    }

    /// <summary><c>virDomainStatsRecord</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatsRecord
    {
        public IntPtr Domain;
        public IntPtr Parameters;
        public int Count;
    }

    /// <summary>A caller-owned C string, read and freed.</summary>
    public static string? TakeString(IntPtr pointer)
    {
        if (pointer == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(pointer);
        }
        finally
        {
            free(pointer);
        }
    }

    /// <summary>The message of the last libvirt error on this thread.</summary>
    public static string LastError()
    {
        var error = virGetLastError();
        var message = error == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(error, 8));
        return string.IsNullOrWhiteSpace(message) ? "unknown libvirt error" : message;
    }

    /// <summary>The code of the last libvirt error on this thread (0: none).</summary>
    public static int LastErrorCode()
    {
        var error = virGetLastError();
        return error == IntPtr.Zero ? 0 : Marshal.ReadInt32(error);
    }

    /// <summary>A domain's UUID.</summary>
    public static string? Uuid(IntPtr dom)
    {
        var buffer = stackalloc byte[40];
        return virDomainGetUUIDString(dom, buffer) == 0 ? Marshal.PtrToStringUTF8((IntPtr)buffer) : null;
    }

    /// <summary>A domain's name.</summary>
    public static string Name(IntPtr dom) => Marshal.PtrToStringUTF8(virDomainGetName(dom)) ?? "";
}
