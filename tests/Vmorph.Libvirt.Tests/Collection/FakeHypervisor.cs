using System.Threading.Channels;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Units;

namespace Vmorph.Libvirt.Tests.Collection;

/// <summary>A hypervisor double: one VM whose configuration, counters, events and reachability the test sets.</summary>
internal sealed class FakeHypervisor : IHypervisor
{
    public static readonly VmId Vm = new("11111111-2222-4333-8444-555555555555");

    public VmConfiguration Configuration { get; set; } = new() { Vcpus = 1, MaxVcpus = 4, Memory = MemorySize.FromMiB(256), MaxMemory = MemorySize.FromMiB(1024) };
    public long CpuTime { get; set; }
    public int RuntimeId { get; set; } = 7;
    public volatile bool Down;
    public int Connects;

    /// <summary>The share of its time the guest counts busy, or null for a guest that cannot be asked.</summary>
    public double? GuestBusyShare { get; set; }
    public Channel<HypervisorEvent> Events { get; } = Channel.CreateUnbounded<HypervisorEvent>();

    /// <summary>Whether each reading of the guest view asked for the data-footprint scan, in order.</summary>
    public List<bool> FootprintAsked { get; } = [];
    private double clock;

    public Task<IHypervisorSession> ConnectAsync(string uri, CancellationToken cancellationToken)
    {
        if (Down) throw new HypervisorUnavailableException($"cannot connect to {uri}: Failed to connect socket: Connection refused");
        Interlocked.Increment(ref Connects);
        return Task.FromResult<IHypervisorSession>(new Session(this, uri));
    }

    public void Event(string description) =>
        Events.Writer.TryWrite(new HypervisorEvent(Vm, "fake-1", DateTimeOffset.UnixEpoch, description, true));

    private sealed class Session(FakeHypervisor h, string uri) : IHypervisorSession
    {
        public string Uri => uri;

        private void Check()
        {
            if (h.Down) throw new HypervisorUnavailableException("listing the domains failed: internal error: client socket is closed (libvirtd closed the connection)");
        }

        public Task<IReadOnlyList<DomainDescription>> DescribeDomainsAsync(CancellationToken cancellationToken)
        {
            Check();
            return Task.FromResult<IReadOnlyList<DomainDescription>>(
                [new DomainDescription(Vm, "fake-1", DomainState.Running, h.RuntimeId, h.Configuration, new BaseImageId("/images/base.qcow2"), GuestAgentState.None)]);
        }

        public Task<IReadOnlyList<DomainCounters>> ReadCountersAsync(CancellationToken cancellationToken)
        {
            Check();
            h.clock += 1;
            h.CpuTime += 500_000_000;
            return Task.FromResult<IReadOnlyList<DomainCounters>>(
            [
                new DomainCounters
                {
                    Vm = Vm, At = DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000 + h.clock), MonotonicSeconds = h.clock, RuntimeId = h.RuntimeId,
                    CpuTimeNanoseconds = h.CpuTime, Vcpus = 1, BalloonCurrentKiB = 262144, BalloonAvailableKiB = 200000, BalloonUsableKiB = 100000,
                },
            ]);
        }

        public IReadOnlyList<HypervisorEvent> DrainEvents()
        {
            var list = new List<HypervisorEvent>();
            while (h.Events.Reader.TryRead(out var e)) list.Add(e);
            return list;
        }

        public async Task WaitForEventAsync(CancellationToken cancellationToken) => await h.Events.Reader.WaitToReadAsync(cancellationToken);

        public Task<IReadOnlyList<GuestCpuTime>> ReadGuestCpuAsync(DomainDescription domain, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<GuestCpuTime>>(h.GuestBusyShare is { } share
                ? [new GuestCpuTime(0, (long)(h.clock * 1000 * share), (long)(h.clock * 1000 * (1 - share)))]
                : []);

        public Task<GuestView> ObserveGuestAsync(DomainDescription domain, GuestViewRequest request, CancellationToken cancellationToken)
        {
            lock (h.FootprintAsked) h.FootprintAsked.Add(request.Footprint);
            return Task.FromResult(GuestView.Unavailable("fake-1: no guest agent"));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
