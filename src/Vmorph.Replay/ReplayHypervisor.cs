using System.Threading.Channels;
using Vmorph.Collection;

namespace Vmorph.Replay;

/// <summary>
/// <see cref="IHypervisor"/> over a <see cref="ReplayFleet"/>, at the URI <c>replay:///NAME</c>: every replayed VM is a
/// running domain whose configuration is its allocation now, whose counters grow with the trace's usage (capped at the
/// allocation), and which has no guest to look into. After a morph it sends the configuration-change event libvirt
/// would (tuning, balloon, lifecycle), so the collector records the change at once.
/// </summary>
/// <param name="fleet">The fleet.</param>
/// <param name="clock">The clock for timestamps (a <see cref="ReplayClock"/> for an accelerated replay).</param>
public sealed class ReplayHypervisor(ReplayFleet fleet, TimeProvider clock) : IHypervisor
{
    /// <summary>Why a replayed VM has no guest view.</summary>
    public const string NoGuest = "replayed from a trace: no guest to look into";

    /// <inheritdoc />
    public Task<IHypervisorSession> ConnectAsync(string uri, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!string.Equals(uri.TrimEnd('/'), fleet.Uri, StringComparison.Ordinal))
            throw new HypervisorUnavailableException($"cannot connect to {uri}: this replay serves {fleet.Uri} only");
        return Task.FromResult<IHypervisorSession>(new Session(fleet, clock));
    }

    private sealed class Session : IHypervisorSession
    {
        private readonly ReplayFleet fleet;
        private readonly TimeProvider clock;
        private readonly Channel<HypervisorEvent> events = Channel.CreateBounded<HypervisorEvent>(
            new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        private readonly IDisposable subscription;

        public Session(ReplayFleet fleet, TimeProvider clock)
        {
            this.fleet = fleet;
            this.clock = clock;
            subscription = fleet.Subscribe(e => events.Writer.TryWrite(e));
        }

        public string Uri => fleet.Uri;

        public Task<IReadOnlyList<DomainDescription>> DescribeDomainsAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var domains = new DomainDescription[fleet.Vms.Count];
            for (var i = 0; i < domains.Length; i++)
            {
                var vm = fleet.Vms[i];
                domains[i] = new DomainDescription(vm.Id, vm.Name, DomainState.Running, vm.RuntimeId, vm.Configuration, Identity.BaseImageId.Unknown, GuestAgentState.None);
            }
            return Task.FromResult<IReadOnlyList<DomainDescription>>(domains);
        }

        public Task<IReadOnlyList<DomainCounters>> ReadCountersAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var at = clock.GetUtcNow();
            var monotonic = clock.GetTimestamp() / (double)clock.TimestampFrequency;
            var counters = new DomainCounters[fleet.Vms.Count];
            for (var i = 0; i < counters.Length; i++) counters[i] = fleet.Vms[i].ReadCounters(at, monotonic);
            return Task.FromResult<IReadOnlyList<DomainCounters>>(counters);
        }

        public IReadOnlyList<HypervisorEvent> DrainEvents()
        {
            var drained = new List<HypervisorEvent>();
            while (events.Reader.TryRead(out var e)) drained.Add(e);
            return drained;
        }

        public async Task WaitForEventAsync(CancellationToken cancellationToken) => await events.Reader.WaitToReadAsync(cancellationToken);

        public Task<IReadOnlyList<GuestCpuTime>> ReadGuestCpuAsync(DomainDescription domain, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<GuestCpuTime>>([]);

        public Task<GuestView> ObserveGuestAsync(DomainDescription domain, GuestViewRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(GuestView.Unavailable($"{domain.Name}: {NoGuest}"));

        public ValueTask DisposeAsync()
        {
            subscription.Dispose();
            events.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
