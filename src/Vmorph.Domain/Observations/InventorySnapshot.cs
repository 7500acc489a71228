using Vmorph.Units;

namespace Vmorph.Observations;

/// <summary>
/// What runs inside a guest at one instant, as read from <c>/proc</c> and the file system (through the QEMU guest agent
/// or a local <c>vmorph agent</c>). User names appear here only in memory: the profile stores keyed hashes of them, and
/// only with consent.
/// </summary>
public sealed record InventorySnapshot
{
    /// <summary>When the snapshot was taken.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Running processes.</summary>
    public IReadOnlyList<ProcessInfo> Processes { get; init; } = [];

    /// <summary>Listening and connected sockets.</summary>
    public IReadOnlyList<SocketInfo> Sockets { get; init; } = [];

    /// <summary>Cumulative counters of the guest's network interfaces.</summary>
    public IReadOnlyList<InterfaceCounters> Interfaces { get; init; } = [];

    /// <summary>Installed packages, where the guest has a package manager.</summary>
    public IReadOnlyList<string>? Packages { get; init; }

    /// <summary>Enabled services, where the guest has a service manager.</summary>
    public IReadOnlyList<string>? Services { get; init; }

    /// <summary>The result of a bounded data-footprint scan, when one was run.</summary>
    public FootprintScan? Footprint { get; init; }

    /// <summary>Interactive login sessions (used only with consent).</summary>
    public IReadOnlyList<LoginSession> Sessions { get; init; } = [];

    /// <summary>The guest's own account of itself (host name, kernel, CPUs, memory), where it was read.</summary>
    public GuestSystem? System { get; init; }
}

/// <summary>What a guest says about itself.</summary>
/// <param name="Hostname">Its host name.</param>
/// <param name="Kernel">Its kernel release.</param>
/// <param name="UptimeSeconds">Seconds since it booted.</param>
/// <param name="Cpus">CPUs online.</param>
/// <param name="MemoryTotal">Memory the guest sees (MemTotal).</param>
/// <param name="MemoryAvailable">Memory available to new work without swapping (MemAvailable).</param>
public sealed record GuestSystem(string? Hostname, string? Kernel, double? UptimeSeconds, int? Cpus, MemorySize? MemoryTotal, MemorySize? MemoryAvailable);

/// <summary>A running process.</summary>
/// <param name="Pid">Process id.</param>
/// <param name="Executable">The executable's base name (<c>nginx</c>, <c>postgres</c>).</param>
/// <param name="CpuSeconds">CPU time used since the process started.</param>
/// <param name="ResidentBytes">Resident memory.</param>
/// <param name="StartedAt">When it started, where known.</param>
/// <param name="Interactive">Whether it has a controlling terminal (a person is using it).</param>
public sealed record ProcessInfo(int Pid, string Executable, double CpuSeconds, long ResidentBytes, DateTimeOffset? StartedAt, bool Interactive);

/// <summary>A socket.</summary>
/// <param name="Protocol"><c>tcp</c>, <c>tcp6</c>, <c>udp</c> or <c>udp6</c>.</param>
/// <param name="Listening">Whether it waits for connections (else it is connected).</param>
/// <param name="LocalPort">The local port.</param>
/// <param name="RemoteAddress">The peer's address for a connected socket.</param>
/// <param name="RemotePort">The peer's port for a connected socket.</param>
/// <param name="Process">The owning process's executable, where known.</param>
public sealed record SocketInfo(string Protocol, bool Listening, int LocalPort, string? RemoteAddress, int? RemotePort, string? Process);

/// <summary>Cumulative counters of one network interface.</summary>
public sealed record InterfaceCounters(string Name, long ReceivedBytes, long TransmittedBytes, long ReceivedPackets, long TransmittedPackets);

/// <summary>An interactive login session.</summary>
/// <param name="User">The user name: hashed with the installation's key before anything is stored.</param>
/// <param name="Terminal">The terminal, where known.</param>
/// <param name="Start">When the session started.</param>
/// <param name="Remote">Whether it came over the network.</param>
public sealed record LoginSession(string User, string? Terminal, DateTimeOffset Start, bool Remote);

/// <summary>
/// Counts from a bounded scan of chosen paths. It holds only categories and counts: no content, and no name of a file
/// found sensitive, ever leaves the guest.
/// </summary>
public sealed record FootprintScan
{
    /// <summary>The paths scanned.</summary>
    public required IReadOnlyList<string> Paths { get; init; }

    /// <summary>Files and bytes per category (<c>source-code</c>, <c>database</c>, <c>log</c>, <c>archive</c>, ...).</summary>
    public IReadOnlyDictionary<string, CategoryCount> Categories { get; init; } = new Dictionary<string, CategoryCount>();

    /// <summary>Files by time since last access: <c>1d</c>, <c>7d</c>, <c>30d</c>, <c>older</c>.</summary>
    public IReadOnlyDictionary<string, long> AccessRecency { get; init; } = new Dictionary<string, long>();

    /// <summary>Files that matched a sensitivity pattern, by kind (<c>private-key</c>, <c>card-number</c>, ...).</summary>
    public IReadOnlyDictionary<string, long> Sensitive { get; init; } = new Dictionary<string, long>();

    /// <summary>Whether the scan stopped at its file or byte budget.</summary>
    public bool Truncated { get; init; }

    /// <summary>Problems met (a path that does not exist, a directory that could not be read).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>Files and bytes of one category.</summary>
public readonly record struct CategoryCount(long Files, long Bytes);
