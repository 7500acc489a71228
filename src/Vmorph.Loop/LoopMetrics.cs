using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Vmorph.Loop;

/// <summary>
/// The loop's OpenTelemetry instruments (meter <c>vmorph.loop</c>, activity source <c>vmorph.loop</c>): what the
/// server exports on <c>/metrics</c> and through OTLP. One instance per silo, from dependency injection.
/// </summary>
public sealed class LoopMetrics : IDisposable
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "vmorph.loop";

    private readonly Meter meter;
    private long grainsActive;

    /// <summary>Creates the instruments on a meter made by <paramref name="meterFactory"/>.</summary>
    public LoopMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        CollectionCycles = meter.CreateCounter<long>("vmorph.collection.cycles", "{cycle}", "Collection cycles run, by hypervisor connection and result.");
        CollectionDuration = meter.CreateHistogram<double>("vmorph.collection.duration", "s", "Wall time of a collection cycle.");
        ObservationsFolded = meter.CreateCounter<long>("vmorph.observations.folded", "{observation}", "Observations folded into VM profiles.");
        Decisions = meter.CreateCounter<long>("vmorph.decisions", "{decision}", "Decisions of the triggers that wanted a change, by trigger and verdict.");
        Morphs = meter.CreateCounter<long>("vmorph.morphs", "{morph}", "Morphs finished, by kind and outcome.");
        GuardVerdicts = meter.CreateCounter<long>("vmorph.guard.verdicts", "{verdict}", "Verdicts of the degradation guard, by verdict.");
        Rollbacks = meter.CreateCounter<long>("vmorph.rollbacks", "{rollback}", "Morphs rolled back, by cause.");
        meter.CreateObservableGauge("vmorph.grains.active", () => Interlocked.Read(ref grainsActive), "{grain}", "VM grains active in this silo.");
    }

    /// <summary>Collection cycles (tags: <c>uri</c>, <c>result</c>).</summary>
    public Counter<long> CollectionCycles { get; }

    /// <summary>Collection cycle wall time, seconds.</summary>
    public Histogram<double> CollectionDuration { get; }

    /// <summary>Observations folded.</summary>
    public Counter<long> ObservationsFolded { get; }

    /// <summary>Decisions (tags: <c>trigger</c>, <c>verdict</c>).</summary>
    public Counter<long> Decisions { get; }

    /// <summary>Morphs finished (tags: <c>kind</c>, <c>outcome</c>).</summary>
    public Counter<long> Morphs { get; }

    /// <summary>Guard verdicts (tag: <c>verdict</c>).</summary>
    public Counter<long> GuardVerdicts { get; }

    /// <summary>Rollbacks (tag: <c>cause</c>).</summary>
    public Counter<long> Rollbacks { get; }

    /// <summary>Traces of collection cycles, decisions and morphs.</summary>
    public static ActivitySource Activities { get; } = new(Name);

    /// <summary>A VM grain was activated.</summary>
    public void GrainActivated() => Interlocked.Increment(ref grainsActive);

    /// <summary>A VM grain was deactivated.</summary>
    public void GrainDeactivated() => Interlocked.Decrement(ref grainsActive);

    /// <inheritdoc />
    public void Dispose() => meter.Dispose();
}
