using Vmorph.Guard;
using Vmorph.Identity;

namespace Vmorph.Morphing;

/// <summary>
/// The guard's eyes: samples a VM's counters (and the optional health probe) at a fixed interval over a window, before
/// a morph (the baseline) and after its last step (the observation), and judges the two with
/// <see cref="DegradationGuard"/>. All waiting goes through the injected <see cref="TimeProvider"/>, so tests advance a
/// fake clock instead of sleeping.
/// </summary>
internal sealed class MorphObserver(IMorphHost host, TimeProvider clock)
{
    /// <summary>The samples and probes of one window.</summary>
    public sealed record Window(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<GuardSample> Samples, IReadOnlyList<ProbeResult> Probes, int FailedReadings);

    /// <summary>
    /// Samples until <paramref name="until"/> (a reading at the start, then one every <paramref name="interval"/>), each
    /// pair of consecutive readings giving one sample. Stops early, returning what it has, when <paramref name="stop"/>
    /// is cancelled.
    /// </summary>
    public async Task<Window> SampleAsync(VmId vm, DateTimeOffset until, TimeSpan interval, IHealthProbe? probe, CancellationToken stop, CancellationToken cancellationToken)
    {
        var from = clock.GetUtcNow();
        var samples = new List<GuardSample>();
        var probes = new List<ProbeResult>();
        var failed = 0;
        GuardReading? previous = null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, cancellationToken);
        while (true)
        {
            var reading = await host.ReadCountersAsync(vm, cancellationToken);
            if (reading.IsSuccess)
            {
                if (previous is not null && GuardSampling.Between(previous, reading.Value) is { } sample) samples.Add(sample);
                previous = reading.Value;
            }
            else failed++;
            if (probe is not null) probes.Add(await probe.ProbeAsync(cancellationToken));
            var left = until - clock.GetUtcNow();
            if (left <= TimeSpan.Zero || stop.IsCancellationRequested) break;
            try
            {
                await Task.Delay(left < interval ? left : interval, clock, linked.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
        return new Window(from, clock.GetUtcNow(), samples, probes, failed);
    }

    /// <summary>The guard's verdict on an observation window against the baseline.</summary>
    public static GuardVerdict Judge(MorphBaseline? baseline, Window observed, GuardPolicy policy) =>
        DegradationGuard.Judge(baseline?.Samples ?? [], observed.Samples, policy, baseline?.Probes, observed.Probes.Count > 0 ? observed.Probes : null);
}
