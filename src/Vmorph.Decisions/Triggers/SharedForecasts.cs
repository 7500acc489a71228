using System.Collections.Concurrent;
using Vmorph.Cycles;
using Vmorph.Forecasting;
using Vmorph.Identity;
using Vmorph.Policies;
using Vmorph.Recommenders;

namespace Vmorph.Triggers;

/// <summary>
/// The predictive trigger's forecasts computed once for several policies of a replay. The back-tested forecasters of a
/// VM read only its usage, which a replay gives every policy alike (a trace's demand does not depend on what a policy
/// allocated): policies whose predictive settings differ only in what is done with the forecast (headroom, recent
/// floor) get the same forecast at every step. Half of a replay of vmorph's presets was their forecasting, and two of
/// the three presets forecast alike (docs/BENCHMARKS.md, "Speed of the frontier replay").
/// </summary>
/// <remarks>
/// Each VM's forecasts form a stream that the first policy to reach a step computes and the others read; a step is
/// dropped once every subscriber has read it, so policies that run at different paces hold only the steps between
/// them. The subscribers must step the VM at the same times with the same history: a subscriber that asks for a
/// step other than the next one of the stream, or with a history of other length or latest value, is a caller's bug,
/// and throws rather than receive another VM's or another time's forecast.
/// </remarks>
/// <param name="subscribers">How many policies share each VM's stream.</param>
public sealed class SharedForecasts(int subscribers)
{
    private readonly ConcurrentDictionary<VmId, Stream> streams = new();
    private Setting? setting;

    /// <summary>How many policies share each VM's stream.</summary>
    public int Subscribers { get; } = subscribers >= 1 ? subscribers : throw new ArgumentOutOfRangeException(nameof(subscribers), subscribers, "at least one subscriber");

    /// <summary>How many steps were forecast, over all VMs (each once, however many policies read it).</summary>
    public long Computed => streams.Values.Sum(s => s.Computed);

    /// <summary>
    /// Whether two policies forecast alike (and may share a <see cref="SharedForecasts"/>): the same predictive settings
    /// but for headroom and recent floor, which act on the forecast, and the same time zone.
    /// </summary>
    public static bool ForecastAlike(Policy a, Policy b) =>
        a.Predictive is { } p && b.Predictive is { } q && Setting.Of(p, a.TimeZone, null) == Setting.Of(q, b.TimeZone, null);

    /// <summary>Joins a VM's stream; the first subscriber's state does the forecasting.</summary>
    internal Subscription Join(VmId vm, Setting joining, TimeSpan step, Allocation provisioned, Func<ForecastState> create)
    {
        var first = Interlocked.CompareExchange(ref setting, joining, null) ?? joining;
        if (!first.Equals(joining))
            throw new ArgumentException($"forecasts shared by policies that forecast apart ({joining}, then {first})", nameof(joining));
        var stream = streams.GetOrAdd(vm, v => new Stream(v, Subscribers, step, provisioned, create));
        if (stream.StepLength != step || !stream.Provisioned.Equals(provisioned))
            throw new ArgumentException($"VM {vm}: forecasts shared by engines that see it apart (step {step} and {provisioned}, then step {stream.StepLength} and {stream.Provisioned})", nameof(provisioned));
        return new Subscription(stream);
    }

    /// <summary>What makes two predictive triggers forecast alike, whatever the VM.</summary>
    internal sealed record Setting(TimeSpan Horizon, double Quantile, ForecastModel Model, TimeSpan BacktestHalfLife, string Zone, FastTreeDemandModel? CpuModel)
    {
        /// <summary>A trigger's setting: all of its settings but those that act on the forecast (headroom, recent floor).</summary>
        public static Setting Of(PredictiveSettings settings, TimeZoneInfo zone, FastTreeDemandModel? cpuModel) =>
            new(settings.Horizon, settings.Quantile, settings.Model, settings.BacktestHalfLife, zone.Id, cpuModel);
    }

    /// <summary>One subscriber's place in a VM's stream.</summary>
    internal sealed class Subscription(Stream stream)
    {
        private long next;

        /// <summary>The stream's forecast at <paramref name="nowUnixSeconds"/>, computed here if this subscriber is the first to ask.</summary>
        public ForecastStep Step(long nowUnixSeconds, UsageHistory cpuHistory, UsageHistory memoryHistory, Func<CycleHistory?>? cycles) =>
            stream.Read(next++, nowUnixSeconds, cpuHistory, memoryHistory, cycles);
    }

    /// <summary>One VM's forecasts, from the oldest step a subscriber has still to read to the newest.</summary>
    internal sealed class Stream(VmId vm, int subscribers, TimeSpan step, Allocation provisioned, Func<ForecastState> create)
    {
        private readonly Lock gate = new();
        // The steps not yet read by every subscriber are entries[head..]; step `first` is entries[head].
        private readonly List<Entry> entries = [];
        private int head;
        private ForecastState? state;
        private long first;

        public TimeSpan StepLength { get; } = step;

        public Allocation Provisioned { get; } = provisioned;

        public long Computed { get; private set; }

        /// <summary>
        /// Step <paramref name="index"/> of the stream: computed from the caller's histories and cycle rings if it is the
        /// first to ask, else as computed then (after checking that the caller stands where the first one stood).
        /// </summary>
        public ForecastStep Read(long index, long nowUnixSeconds, UsageHistory cpuHistory, UsageHistory memoryHistory, Func<CycleHistory?>? cycles)
        {
            var seen = new Seen(cpuHistory.Total, cpuHistory.Latest, memoryHistory.Total, memoryHistory.Latest);
            lock (gate)
            {
                if (index < first) throw new InvalidOperationException($"VM {vm}: shared forecast step {index} asked for after it was dropped");
                Entry entry;
                var held = entries.Count - head;
                if (index > first + held) throw new InvalidOperationException($"VM {vm}: shared forecast step {index} asked for before step {first + held}");
                if (index == first + held)
                {
                    state ??= create();
                    entry = new Entry(state.Step(nowUnixSeconds, cpuHistory, memoryHistory, cycles), seen);
                    entries.Add(entry);
                    Computed++;
                }
                else
                {
                    entry = entries[head + (int)(index - first)];
                    if (entry.Forecast.UnixSeconds != nowUnixSeconds || !entry.Seen.Equals(seen))
                        throw new InvalidOperationException(
                            $"VM {vm}: policies sharing forecasts stepped apart (step {index} at {entry.Forecast.UnixSeconds} with {entry.Seen}, then at {nowUnixSeconds} with {seen})");
                }
                entry.Reads++;
                while (head < entries.Count && entries[head].Reads == subscribers)
                {
                    entries[head++] = null!;
                    first++;
                }
                if (head >= 64 && head * 2 >= entries.Count)
                {
                    entries.RemoveRange(0, head);
                    head = 0;
                }
                return entry.Forecast;
            }
        }

        private sealed class Entry(ForecastStep forecast, Seen seen)
        {
            public ForecastStep Forecast { get; } = forecast;

            public Seen Seen { get; } = seen;

            public int Reads { get; set; }
        }

        private readonly record struct Seen(long CpuSteps, double CpuLatest, long MemorySteps, double MemoryLatest);
    }
}
