using Polly;
using Polly.Retry;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Store;

namespace Vmorph.Collection;

/// <summary>
/// Watches the VMs of one hypervisor and folds what it sees into their profiles: each cycle lists the domains and
/// their configuration (a change becomes a new <see cref="ConfigurationVersion"/> whose cause is the hypervisor's
/// event, or the periodic comparison when it sent none), reads all domains' counters in one call and turns them into
/// metric samples, reads each running guest from inside, and saves every VM in one transaction. Between cycles it
/// listens to hypervisor events and records configuration changes as they happen. When the connection is lost it
/// says so, reconnects with exponential backoff, and records the intervals it could not see as missing: it never
/// invents a sample for a gap.
/// </summary>
public sealed class Collector : IAsyncDisposable
{
    private readonly IHypervisor hypervisor;
    private readonly TimeProvider clock;
    private readonly CollectorOptions options;
    private readonly Action<string> log;
    private readonly IObservationSink sink;
    private readonly Dictionary<VmId, DomainCounters> baselines = [];
    private readonly Dictionary<VmId, DateTimeOffset> lastScan = [];
    private readonly List<HypervisorEvent> carriedEvents = [];
    private HashSet<VmId> runningAtLastCycle = [];
    private IHypervisorSession? session;
    private DateTimeOffset? lastSuccess;
    private DateTimeOffset? outageSince;

    /// <summary>
    /// Creates a collector that folds what it sees into the profiles in <paramref name="store"/> (<c>vmorph collect</c>).
    /// <paramref name="log"/> receives what a person should know (connection lost, back, ...).
    /// </summary>
    public Collector(IHypervisor hypervisor, IFleetStore store, TimeProvider clock, CollectorOptions options, ReadOnlySpan<byte> anonymisationKey, Action<string>? log = null)
        : this(hypervisor, null, store, clock, options, anonymisationKey, log)
    {
    }

    /// <summary>
    /// Creates a collector that hands what it sees to <paramref name="sink"/> (each VM's grain in <c>vmorph serve</c>),
    /// which folds and saves it.
    /// </summary>
    public Collector(IHypervisor hypervisor, IObservationSink sink, TimeProvider clock, CollectorOptions options, Action<string>? log = null)
        : this(hypervisor, sink, null, clock, options, [], log)
    {
    }

    private Collector(IHypervisor hypervisor, IObservationSink? sink, IFleetStore? store, TimeProvider clock, CollectorOptions options, ReadOnlySpan<byte> anonymisationKey, Action<string>? log)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("collector options are not valid: " + string.Join("; ", errors), nameof(options));
        this.hypervisor = hypervisor;
        this.clock = clock;
        this.options = options;
        this.log = log ?? (_ => { });
        this.sink = sink ?? new StoreObservationSink(store!, anonymisationKey.ToArray(), options.Uri, Source, options.EvidenceHalfLife);
        foreach (var (id, at) in options.ScannedBefore) lastScan[id] = at;
    }

    /// <summary>The profile source name of VMs collected from this URI (<c>libvirt:qemu:///system</c>).</summary>
    public string Source => "libvirt:" + options.Uri;

    /// <summary>
    /// Runs one cycle, connecting first if needed. Throws <see cref="HypervisorUnavailableException"/> when the
    /// hypervisor cannot be reached (nothing is stored then).
    /// </summary>
    public async Task<CycleReport> CollectOnceAsync(CancellationToken cancellationToken) => await CycleAsync(cancellationToken);

    /// <summary>
    /// Collects until cancelled: a cycle every <see cref="CollectorOptions.Interval"/>, configuration changes between
    /// cycles as events arrive. The first connection must succeed (a wrong URI is reported at once); a connection lost
    /// later is retried with backoff for as long as it takes.
    /// </summary>
    public async Task RunAsync(Action<CycleReport>? onCycle, CancellationToken cancellationToken)
    {
        await EnsureSessionAsync(cancellationToken);
        var retry = new ResiliencePipelineBuilder<CycleReport> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<CycleReport>
            {
                ShouldHandle = new PredicateBuilder<CycleReport>().Handle<HypervisorUnavailableException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.InitialBackoff,
                MaxDelay = options.MaxBackoff,
                UseJitter = false,
                OnRetry = args =>
                {
                    log($"connection to {options.Uri} lost: {args.Outcome.Exception?.Message}; retrying in {Describe(args.RetryDelay)}");
                    return default;
                },
            })
            .Build();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = clock.GetTimestamp();
            var report = await retry.ExecuteAsync(async token => await CycleAsync(token), cancellationToken);
            onCycle?.Invoke(report);
            await WaitServingEventsAsync(next, cancellationToken);
        }
    }

    private async Task<IHypervisorSession> EnsureSessionAsync(CancellationToken cancellationToken)
    {
        if (session is not null) return session;
        session = await hypervisor.ConnectAsync(options.Uri, cancellationToken);
        return session;
    }

    private async Task DropSessionAsync()
    {
        var old = session;
        session = null;
        if (old is null) return;
        try
        {
            await old.DisposeAsync();
        }
        catch (Exception e) when (e is HypervisorUnavailableException or InvalidOperationException)
        {
            // The connection is gone already; closing it can only fail.
        }
    }

    private async Task<CycleReport> CycleAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        try
        {
            var current = await EnsureSessionAsync(cancellationToken);
            var missed = 0;
            if (outageSince is { } since && lastSuccess is { } last)
            {
                var gap = clock.GetUtcNow() - last;
                missed = Math.Max(0, (int)(gap / options.Interval) - 1);
                log($"connection to {options.Uri} is back after {Describe(clock.GetUtcNow() - since)}; {missed} collection interval(s) recorded as missing for {runningAtLastCycle.Count} VM(s)");
            }

            var events = Drain(current);
            var domains = Filter(await current.DescribeDomainsAsync(cancellationToken));
            var lateEvents = current.DrainEvents();
            events.AddRange(lateEvents);

            var running = domains.Where(d => d.State == DomainState.Running).ToList();
            var baselineTaken = (long?)null;
            if (options.SampleWindow > TimeSpan.Zero && running.Any(d => !baselines.ContainsKey(d.Id)))
            {
                foreach (var c in await ReadCountersAsync(current, running, cancellationToken))
                    if (!baselines.ContainsKey(c.Vm)) baselines[c.Vm] = c;
                baselineTaken = clock.GetTimestamp();
            }

            // Both readings come before the guests are read from inside: the inventory and the scan run in the guest
            // and would otherwise show up in its CPU and disk rates.
            var waited = TimeSpan.Zero;
            if (baselineTaken is { } taken && options.SampleWindow - clock.GetElapsedTime(taken) is { } left && left > TimeSpan.Zero)
            {
                await Task.Delay(left, clock, cancellationToken);
                waited = left;
            }
            var counters = (await ReadCountersAsync(current, running, cancellationToken)).ToDictionary(c => c.Vm);
            var now = clock.GetUtcNow();
            var views = options.GuestView
                ? await ObserveGuestsAsync(current, running, now, cancellationToken)
                : new Dictionary<VmId, GuestView>();

            var eventsByVm = ConfigurationEventsByVm(events);
            var work = new List<VmObservations>(domains.Count);
            foreach (var d in domains)
            {
                RateResult rate = default;
                if (counters.TryGetValue(d.Id, out var reading))
                {
                    rate = RateCalculator.Compute(baselines.GetValueOrDefault(d.Id), reading, options.MaxRateGap);
                }
                var view = views.GetValueOrDefault(d.Id);
                var guestMissing = d.State != DomainState.Running
                    ? $"{d.Name} is {Describe(d.State)}: the guest cannot be seen from inside"
                    : !options.GuestView ? "the guest view is turned off (--no-guest)" : view?.Missing;
                work.Add(new VmObservations(d, now, EventsOf(d.Id, eventsByVm), rate.Sample, rate.NoRates,
                    runningAtLastCycle.Contains(d.Id) ? missed : 0, view?.Snapshot, guestMissing, view?.Problems ?? [], view?.Elapsed ?? TimeSpan.Zero));
            }

            var delivered = work.Count == 0 ? [] : await sink.DeliverAsync(work, cancellationToken);
            var reports = delivered.ToDictionary(r => r.Id);

            foreach (var (id, reading) in counters) baselines[id] = reading;
            foreach (var id in baselines.Keys.Where(id => !counters.ContainsKey(id)).ToList()) baselines.Remove(id);
            foreach (var (id, view) in views)
                if (view.Snapshot?.Footprint is not null) lastScan[id] = now;
            // Events that came in while the domains were being described but matched no change may announce one
            // that the next cycle will see.
            carriedEvents.Clear();
            carriedEvents.AddRange(lateEvents.Where(e => reports.TryGetValue(e.Vm, out var r) && r.NewVersion is null));
            runningAtLastCycle = [.. running.Select(d => d.Id)];
            lastSuccess = now;
            outageSince = null;
            var elapsed = clock.GetElapsedTime(started) - waited;
            return new CycleReport(options.Uri, now, delivered, elapsed, Environment.CpuUsage.TotalTime - cpuBefore, waited, missed);
        }
        catch (HypervisorUnavailableException)
        {
            outageSince ??= clock.GetUtcNow();
            // The outage is recorded as missing intervals: no rate may span it, so the next cycle starts from fresh readings.
            baselines.Clear();
            await DropSessionAsync();
            throw;
        }
    }

    // The descriptions of the events that may have changed each VM's configuration, in the order they came: grouped
    // once, so that a cycle of N VMs and E events costs N + E rather than N × E (a morph wave brings thousands).
    private static ILookup<VmId, string> ConfigurationEventsByVm(IReadOnlyList<HypervisorEvent> events) =>
        events.Where(e => e.MayChangeConfiguration).ToLookup(e => e.Vm, e => e.Description);

    private static List<string> EventsOf(VmId vm, ILookup<VmId, string> eventsByVm) => [.. eventsByVm[vm]];

    private List<HypervisorEvent> Drain(IHypervisorSession current)
    {
        var events = new List<HypervisorEvent>(carriedEvents);
        carriedEvents.Clear();
        events.AddRange(current.DrainEvents());
        return events;
    }

    private List<DomainDescription> Filter(IReadOnlyList<DomainDescription> domains) =>
        options.Domains is { Count: > 0 } names ? [.. domains.Where(d => names.Contains(d.Name))] : [.. domains];

    // The hypervisor's counters of every running domain, each with the guest's own CPU times read right after them (what
    // the CPU demand is made of: the guest's busy share does not count an idle vCPU's waits on an overloaded host).
    private async Task<IReadOnlyList<DomainCounters>> ReadCountersAsync(IHypervisorSession current, IReadOnlyList<DomainDescription> running, CancellationToken cancellationToken)
    {
        var counters = await current.ReadCountersAsync(cancellationToken);
        if (!options.GuestView) return counters;
        var domains = running.ToDictionary(d => d.Id);
        using var gate = new SemaphoreSlim(options.GuestParallelism);
        var tasks = counters.Select(async c =>
        {
            if (!domains.TryGetValue(c.Vm, out var domain)) return c;
            await gate.WaitAsync(cancellationToken);
            try
            {
                return c with { GuestCpu = await current.ReadGuestCpuAsync(domain, cancellationToken) };
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return await Task.WhenAll(tasks);
    }

    private async Task<Dictionary<VmId, GuestView>> ObserveGuestsAsync(IHypervisorSession current, IReadOnlyList<DomainDescription> running, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(options.GuestParallelism);
        var tasks = running.Select(async d =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var scan = !lastScan.TryGetValue(d.Id, out var last) || now - last >= options.ScanInterval;
                return (d.Id, View: await current.ObserveGuestAsync(d, new GuestViewRequest(scan, options.ScanPaths), cancellationToken));
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var results = await Task.WhenAll(tasks);
        return results.ToDictionary(r => r.Id, r => r.View);
    }

    // Between cycles: wait for the next one, and when the hypervisor sends events, compare configurations at once.
    private async Task WaitServingEventsAsync(long cycleStarted, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = options.Interval - clock.GetElapsedTime(cycleStarted);
            if (remaining <= TimeSpan.Zero) return;
            if (session is not { } current)
            {
                await Task.Delay(remaining, clock, cancellationToken);
                return;
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining, clock, stop.Token);
            var signal = current.WaitForEventAsync(stop.Token);
            var first = await Task.WhenAny(delay, signal);
            await stop.CancelAsync();
            try { await Task.WhenAll(delay, signal); } catch (OperationCanceledException) { }
            cancellationToken.ThrowIfCancellationRequested();
            if (first == delay) return;
            await Task.Delay(options.EventDebounce, clock, cancellationToken);
            try
            {
                await ConfigurationPassAsync(current, cancellationToken);
            }
            catch (HypervisorUnavailableException)
            {
                return; // the next cycle reconnects, with backoff
            }
        }
    }

    /// <summary>Compares the configurations of the domains the hypervisor sent events about, and records the changes.</summary>
    private async Task ConfigurationPassAsync(IHypervisorSession current, CancellationToken cancellationToken)
    {
        var events = Drain(current);
        var touched = events.Where(e => e.MayChangeConfiguration).Select(e => e.Vm).ToHashSet();
        if (touched.Count == 0)
        {
            carriedEvents.AddRange(events);
            return;
        }
        var domains = Filter(await current.DescribeDomainsAsync(cancellationToken)).Where(d => touched.Contains(d.Id)).ToList();
        if (domains.Count == 0) return;
        var now = clock.GetUtcNow();
        var eventsByVm = ConfigurationEventsByVm(events);
        var reports = await sink.DeliverAsync([.. domains.Select(d => new VmObservations(d, now, EventsOf(d.Id, eventsByVm)))], cancellationToken);
        foreach (var r in reports)
        {
            if (r.NewVersion is { } after)
                log($"{r.Name}: configuration v{after.Version} ({after.Cause}): " + string.Join(", ", after.Changes.Select(c => c.ToString())));
        }
    }

    private static string Describe(TimeSpan t) => t.TotalSeconds < 10 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalSeconds:0} s";

    private static string Describe(DomainState state) => state switch
    {
        DomainState.ShutOff => "shut off",
        DomainState.ShuttingDown => "shutting down",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await DropSessionAsync();
}
