using System.Globalization;
using System.Runtime.InteropServices;
using System.Security;
using System.Xml.Linq;
using Vmorph.Configuration;
using Vmorph.Guest.Shell;
using Vmorph.Identity;
using Vmorph.Libvirt.Host;
using Vmorph.Libvirt.Native;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Libvirt.Morphing;

/// <summary>
/// The morph driver over libvirt's C library (and the QEMU guest agent for guest-side steps), doing only what LAB.md
/// measured to work on libvirt 9.0 / QEMU 7.2: <c>setvcpus</c> up live (down only in the definition, for the
/// restart), <c>setmem</c> within the maximum, maximums in the definition, <c>schedinfo vcpu_quota</c>,
/// <c>blkdeviotune</c>, <c>blockresize</c>; internal snapshots of memory and disks (taken before any hot-add: the engine
/// checks <see cref="PreconditionKind.NoVcpuHotAddSinceStart"/> first); restart as a guest-agent shutdown (destroy if it
/// does not stop in time) and start, waiting for the agent and the balloon. Live operations are written to the
/// definition too (<c>--live --config</c>), so a restart keeps them. Every operation sets values, so doing it twice is
/// the same as once.
/// </summary>
public sealed class LibvirtMorphDriver : IMorphDriver, IMorphHost, IDisposable
{
    private readonly LibvirtConnection connection;
    private readonly TimeProvider clock;
    private readonly LibvirtMorphOptions options;
    private readonly Dictionary<VmId, GuestConfigurator> guests = [];

    private LibvirtMorphDriver(LibvirtConnection connection, TimeProvider clock, LibvirtMorphOptions options)
    {
        this.connection = connection;
        this.clock = clock;
        this.options = options;
    }

    /// <summary>Connects to <paramref name="uri"/>, or says why it cannot.</summary>
    public static Result<LibvirtMorphDriver> Open(string uri, TimeProvider clock, LibvirtMorphOptions? options = null)
    {
        var opened = LibvirtConnection.Open(uri);
        return opened.IsSuccess ? Result<LibvirtMorphDriver>.Ok(new LibvirtMorphDriver(opened.Value, clock, options ?? new LibvirtMorphOptions())) : Result<LibvirtMorphDriver>.Fail(opened.Errors);
    }

    /// <inheritdoc />
    public string Uri => connection.Uri;

    /// <summary>
    /// The host at the other end of the connection and what the planner may do on it (<see cref="HostReader"/>, then
    /// <see cref="HostCapabilitiesMapping.Map"/>); a failure says why it cannot be read.
    /// </summary>
    public Task<Result<LibvirtHost>> ReadHostAsync(CancellationToken cancellationToken) =>
        connection.WithConnectionAsync(conn =>
        {
            var facts = HostReader.Read(conn, connection.Uri);
            return facts.IsSuccess ? HostCapabilitiesMapping.Map(facts.Value) : Result<LibvirtHost>.Fail(facts.Errors);
        }, cancellationToken);

    // ---- IMorphHost ----

    /// <inheritdoc />
    public Task<Result<MorphVm>> FindAsync(string idOrName, CancellationToken cancellationToken) =>
        connection.WithDomainAsync(idOrName, dom =>
        {
            var uuid = LibvirtNative.Uuid(dom);
            var state = LibvirtConnection.State(dom);
            var xml = LibvirtConnection.Xml(dom);
            if (uuid is null || state is null || xml is null) return LibvirtConnection.Failed<MorphVm>($"reading domain '{idOrName}'");
            var parsed = DomainXml.Parse(xml, target => LibvirtNative.virDomainGetBlockInfo(dom, target, out var info, 0) == 0 ? (long)info.Capacity : null, new BackingChainProbe().BottomOf);
            if (!parsed.IsSuccess) return Result<MorphVm>.Fail(parsed.Errors);
            var guest = parsed.Value.GuestAgent == Collection.GuestAgentState.None ? GuestAccess.None : GuestAccess.Agent;
            return Result<MorphVm>.Ok(new MorphVm(new VmId(uuid), LibvirtNative.Name(dom), LibvirtConnection.IsRunning(state), parsed.Value.Configuration, guest));
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<Result<GuestSettings>> ReadGuestSettingsAsync(VmId vm, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var guest = await GuestAsync(vm, cancellationToken);
        return guest.IsSuccess ? await guest.Value.ReadAsync(keys, cancellationToken) : Result<GuestSettings>.Fail(guest.Errors);
    }

    /// <inheritdoc />
    public Task<Result<GuardReading>> ReadCountersAsync(VmId vm, CancellationToken cancellationToken) =>
        connection.WithConnectionAsync(conn =>
        {
            const uint groups = LibvirtNative.StatsState | LibvirtNative.StatsCpuTotal | LibvirtNative.StatsBalloon | LibvirtNative.StatsVcpu | LibvirtNative.StatsBlock;
            var count = LibvirtNative.virConnectGetAllDomainStats(conn, groups, out var records, LibvirtNative.GetAllDomainsStatsActive);
            var at = clock.GetUtcNow();
            var monotonic = clock.GetTimestamp() / (double)clock.TimestampFrequency;
            if (count < 0) return LibvirtConnection.Failed<GuardReading>("reading the domain statistics");
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var record = Marshal.PtrToStructure<LibvirtNative.StatsRecord>(LibvirtConnection.At(records, i));
                    if (LibvirtNative.Uuid(record.Domain) != vm.Value) continue;
                    var runtime = LibvirtNative.virDomainGetID(record.Domain);
                    return Result<GuardReading>.Ok(GuardStats.ToReading(at, monotonic, runtime == uint.MaxValue ? null : (int)runtime, TypedParameters.Read(record.Parameters, record.Count)));
                }
            }
            finally
            {
                if (records != IntPtr.Zero) LibvirtNative.virDomainStatsRecordListFree(records);
            }
            return Result<GuardReading>.Fail($"VM {vm} is not running: no statistics");
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<Result<TimeSpan>> PingGuestAsync(VmId vm, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var answer = await connection.Agent(vm.Value, vm.Value).ExecuteAsync("{\"execute\":\"guest-ping\"}", timeout, cancellationToken);
        return answer.IsSuccess && answer.Value.Contains("\"return\"", StringComparison.Ordinal)
            ? Result<TimeSpan>.Ok(clock.GetElapsedTime(started))
            : Result<TimeSpan>.Fail(answer.IsSuccess ? $"unexpected answer to guest-ping: {answer.Value}" : string.Join("; ", answer.Errors));
    }

    private async Task<Result<GuestConfigurator>> GuestAsync(VmId vm, CancellationToken cancellationToken)
    {
        lock (guests)
        {
            if (guests.TryGetValue(vm, out var known)) return Result<GuestConfigurator>.Ok(known);
        }
        var found = await FindAsync(vm.Value, cancellationToken);
        if (!found.IsSuccess) return Result<GuestConfigurator>.Fail(found.Errors);
        if (found.Value.Guest == GuestAccess.None)
            return Result<GuestConfigurator>.Fail($"{found.Value.Name}: the domain has no QEMU guest agent channel ({DomainXml.AgentChannel}); guest-side steps need one");
        var configurator = new GuestConfigurator(new QemuAgentShell(connection.Agent(vm.Value, found.Value.Name), clock));
        lock (guests) guests[vm] = configurator;
        return Result<GuestConfigurator>.Ok(configurator);
    }

    // ---- IMorphDriver ----

    /// <inheritdoc />
    public async Task<Result<bool>> CheckAsync(VmId vm, Precondition precondition, CancellationToken cancellationToken)
    {
        switch (precondition.Kind)
        {
            case PreconditionKind.GuestAnswers:
                var ping = await PingGuestAsync(vm, TimeSpan.FromSeconds(5), cancellationToken);
                return Result<bool>.Ok(ping.IsSuccess);
            case PreconditionKind.NoVcpuHotAddSinceStart:
                return await connection.WithDomainAsync(vm.Value, dom =>
                {
                    var xml = LibvirtConnection.Xml(dom);
                    return xml is null ? LibvirtConnection.Failed<bool>($"reading the XML of {vm}") : Result<bool>.Ok(!HasHotAddedVcpu(xml));
                }, cancellationToken);
            default:
                return Result<bool>.Fail($"precondition {precondition.Kind} is not one the driver checks");
        }
    }

    /// <summary>
    /// Whether the live XML shows a vCPU that was hot-added since the domain started: libvirt lists it under
    /// <c>&lt;vcpus&gt;</c> as enabled and hotpluggable, while vCPUs present at boot are not hotpluggable (checked in the lab).
    /// </summary>
    internal static bool HasHotAddedVcpu(string xml) =>
        XDocument.Parse(xml).Root?.Element("vcpus")?.Elements("vcpu")
            .Any(v => (string?)v.Attribute("enabled") == "yes" && (string?)v.Attribute("hotpluggable") == "yes") == true;

    /// <inheritdoc />
    public Task<Result<Done>> TakeSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken) =>
        connection.WithDomainAsync(vm.Value, dom =>
        {
            var deleted = Delete(dom, name);
            if (!deleted.IsSuccess) return deleted;
            var xml = $"<domainsnapshot><name>{SecurityElement.Escape(name)}</name><description>vmorph morph snapshot: memory and disks before any change</description></domainsnapshot>";
            var snapshot = LibvirtNative.virDomainSnapshotCreateXML(dom, xml, LibvirtNative.SnapshotCreateAtomic);
            if (snapshot == IntPtr.Zero) return LibvirtConnection.Failed<Done>($"taking snapshot {name} of {vm}");
            _ = LibvirtNative.virDomainSnapshotFree(snapshot);
            return Result<Done>.Ok(default);
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<Result<Done>> RevertSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken)
    {
        var reverted = await connection.WithDomainAsync(vm.Value, dom =>
        {
            var snapshot = LibvirtNative.virDomainSnapshotLookupByName(dom, name, 0);
            if (snapshot == IntPtr.Zero) return LibvirtConnection.Failed<Done>($"finding snapshot {name} of {vm}");
            try
            {
                return LibvirtNative.virDomainRevertToSnapshot(snapshot, LibvirtNative.SnapshotRevertRunning) == 0
                    ? Result<Done>.Ok(default)
                    : LibvirtConnection.Failed<Done>($"reverting {vm} to snapshot {name}");
            }
            finally
            {
                _ = LibvirtNative.virDomainSnapshotFree(snapshot);
            }
        }, cancellationToken);
        return reverted.IsSuccess ? await WaitForGuestAsync(vm, cancellationToken) : reverted;
    }

    /// <inheritdoc />
    public Task<Result<Done>> DeleteSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken) =>
        connection.WithDomainAsync(vm.Value, dom => Delete(dom, name), cancellationToken);

    private static Result<Done> Delete(IntPtr dom, string name)
    {
        var snapshot = LibvirtNative.virDomainSnapshotLookupByName(dom, name, 0);
        if (snapshot == IntPtr.Zero)
            return LibvirtNative.LastErrorCode() == LibvirtNative.ErrNoDomainSnapshot ? Result<Done>.Ok(default) : LibvirtConnection.Failed<Done>($"finding snapshot {name}");
        try
        {
            return LibvirtNative.virDomainSnapshotDelete(snapshot, 0) == 0 ? Result<Done>.Ok(default) : LibvirtConnection.Failed<Done>($"deleting snapshot {name}");
        }
        finally
        {
            _ = LibvirtNative.virDomainSnapshotFree(snapshot);
        }
    }

    /// <inheritdoc />
    public async Task<Result<Done>> ApplyAsync(VmId vm, StepOperation operation, CancellationToken cancellationToken)
    {
        if (operation.Channel == StepChannel.Guest)
        {
            var guest = await GuestAsync(vm, cancellationToken);
            return guest.IsSuccess ? await guest.Value.ApplyAsync(operation, cancellationToken) : Result<Done>.Fail(guest.Errors);
        }
        return await connection.WithDomainAsync(vm.Value, dom =>
        {
            // Live operations go to the running VM and its definition; restart operations to the definition only. On a
            // VM that is not running (a rollback after a crash mid-restart), everything goes to the definition.
            var running = LibvirtConnection.IsRunning(LibvirtConnection.State(dom));
            var flags = operation.Mode == StepMode.Live && running ? LibvirtNative.AffectLive | LibvirtNative.AffectConfig : LibvirtNative.AffectConfig;
            return HypervisorOperations.Apply(dom, vm, operation, flags, running);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Result<Done>> RestartAsync(VmId vm, CancellationToken cancellationToken)
    {
        var stopped = await connection.WithDomainAsync(vm.Value, dom =>
        {
            if (!LibvirtConnection.IsRunning(LibvirtConnection.State(dom))) return Result<bool>.Ok(false);
            // The guest agent shuts the guest down cleanly; without an answer, ACPI; the wait below destroys it if neither works.
            if (LibvirtNative.virDomainShutdownFlags(dom, LibvirtNative.ShutdownGuestAgent) != 0) _ = LibvirtNative.virDomainShutdownFlags(dom, 0);
            return Result<bool>.Ok(true);
        }, cancellationToken);
        if (!stopped.IsSuccess) return Result<Done>.Fail(stopped.Errors);
        if (stopped.Value)
        {
            var off = await PollAsync(vm, dom => !LibvirtConnection.IsRunning(LibvirtConnection.State(dom)) && LibvirtConnection.State(dom) != LibvirtNative.DomainShutdown, options.ShutdownTimeout, cancellationToken);
            if (!off)
            {
                var destroyed = await connection.WithDomainAsync(vm.Value, dom =>
                    LibvirtNative.virDomainDestroy(dom) == 0 || !LibvirtConnection.IsRunning(LibvirtConnection.State(dom)) ? Result<Done>.Ok(default) : LibvirtConnection.Failed<Done>($"destroying {vm} after it did not shut down within {options.ShutdownTimeout.TotalSeconds:0} s"), cancellationToken);
                if (!destroyed.IsSuccess) return destroyed;
            }
        }
        var started = await connection.WithDomainAsync(vm.Value, dom =>
            LibvirtConnection.IsRunning(LibvirtConnection.State(dom)) || LibvirtNative.virDomainCreate(dom) == 0 ? Result<Done>.Ok(default) : LibvirtConnection.Failed<Done>($"starting {vm}"), cancellationToken);
        return started.IsSuccess ? await WaitForGuestAsync(vm, cancellationToken) : started;
    }

    // Running, the guest agent answering (when the domain has one), and the balloon at the definition's memory.
    private async Task<Result<Done>> WaitForGuestAsync(VmId vm, CancellationToken cancellationToken)
    {
        var found = await FindAsync(vm.Value, cancellationToken);
        if (!found.IsSuccess) return Result<Done>.Fail(found.Errors);
        if (!found.Value.Running) return Result<Done>.Fail($"{found.Value.Name} is not running after the operation");
        if (found.Value.Guest == GuestAccess.Agent)
        {
            var deadline = clock.GetUtcNow() + options.GuestTimeout;
            while (!(await PingGuestAsync(vm, TimeSpan.FromSeconds(2), cancellationToken)).IsSuccess)
            {
                if (clock.GetUtcNow() >= deadline) return Result<Done>.Fail($"{found.Value.Name}: the guest agent did not answer within {options.GuestTimeout.TotalSeconds:0} s");
                await Task.Delay(options.PollInterval, clock, cancellationToken);
            }
        }
        var settled = await PollAsync(vm, dom =>
        {
            var live = LibvirtConnection.Xml(dom);
            var config = LibvirtConnection.Xml(dom, LibvirtNative.XmlInactive);
            return live is not null && config is not null && CurrentMemory(live) == CurrentMemory(config);
        }, options.BalloonTimeout, cancellationToken);
        return settled ? Result<Done>.Ok(default) : Result<Done>.Fail($"{found.Value.Name}: the balloon did not reach the defined memory within {options.BalloonTimeout.TotalSeconds:0} s");
    }

    private static string? CurrentMemory(string xml) => XDocument.Parse(xml).Root?.Element("currentMemory")?.Value;

    private async Task<bool> PollAsync(VmId vm, Func<IntPtr, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            var now = await connection.WithDomainAsync(vm.Value, dom => Result<bool>.Ok(condition(dom)), cancellationToken);
            if (now.IsSuccess && now.Value) return true;
            if (clock.GetUtcNow() >= deadline) return false;
            await Task.Delay(options.PollInterval, clock, cancellationToken);
        }
    }

    /// <inheritdoc />
    public void Dispose() => connection.Dispose();
}

/// <summary>How long the libvirt morph driver waits for a VM.</summary>
public sealed record LibvirtMorphOptions
{
    /// <summary>How long a clean shutdown may take before the VM is destroyed.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the guest agent may take to answer after a start or a revert.</summary>
    public TimeSpan GuestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long the balloon may take to reach the defined memory after a start.</summary>
    public TimeSpan BalloonTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time between two looks while waiting.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>Reads the numbers the guard needs from one domain's statistics (pure).</summary>
internal static class GuardStats
{
    public static GuardReading ToReading(DateTimeOffset at, double monotonic, int? runtimeId, IReadOnlyDictionary<string, object> p)
    {
        long? Sum(Func<int, string> name)
        {
            long? total = null;
            for (var i = 0; i < (p.Long("block.count") ?? 0); i++)
                if (p.Long(name(i)) is { } v) total = (total ?? 0) + v;
            return total;
        }
        long? Add(long? a, long? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);
        return new GuardReading
        {
            At = at,
            MonotonicSeconds = monotonic,
            RuntimeId = runtimeId,
            CpuTimeNanoseconds = p.Long("cpu.time"),
            Vcpus = p.Long("vcpu.current") is { } v ? (int)v : null,
            MemoryAvailableKiB = p.Long("balloon.available"),
            MemoryUsableKiB = p.Long("balloon.usable"),
            MajorFaults = p.Long("balloon.major_fault"),
            SwapInKiB = p.Long("balloon.swap_in"),
            DiskRequests = Add(Sum(i => $"block.{i}.rd.reqs"), Sum(i => $"block.{i}.wr.reqs")),
            DiskTimeNanoseconds = Add(Sum(i => $"block.{i}.rd.times"), Sum(i => $"block.{i}.wr.times")),
            DiskBytes = Add(Sum(i => $"block.{i}.rd.bytes"), Sum(i => $"block.{i}.wr.bytes")),
        };
    }
}
