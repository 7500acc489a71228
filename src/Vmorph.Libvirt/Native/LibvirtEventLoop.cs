using System.Runtime.InteropServices;

namespace Vmorph.Libvirt.Native;

/// <summary>
/// libvirt's default event loop, registered once per process before the first connection (keepalive, close
/// notifications and domain events need it) and run on a dedicated background thread. Also silences libvirt's default
/// error printer: errors are read with <c>virGetLastError</c> and reported by vmorph in its own words.
/// </summary>
internal static unsafe class LibvirtEventLoop
{
    private static readonly Lock Gate = new();
    private static bool started;

    /// <summary>Registers and starts the loop, once.</summary>
    public static void EnsureStarted()
    {
        lock (Gate)
        {
            if (started) return;
            LibvirtNative.virSetErrorFunc(IntPtr.Zero, &IgnoreError);
            if (LibvirtNative.virEventRegisterDefaultImpl() < 0)
                throw new InvalidOperationException("libvirt's event loop cannot be registered: " + LibvirtNative.LastError());
            var thread = new Thread(Run) { IsBackground = true, Name = "libvirt-events" };
            thread.Start();
            started = true;
        }
    }

    private static void Run()
    {
        while (true)
        {
            if (LibvirtNative.virEventRunDefaultImpl() < 0) Thread.Sleep(100);
        }
    }

    [UnmanagedCallersOnly]
    private static void IgnoreError(IntPtr userData, IntPtr error)
    {
    }
}
