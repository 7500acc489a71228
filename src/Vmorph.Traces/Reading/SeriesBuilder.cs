using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Sources;

namespace Vmorph.Traces.Reading;

/// <summary>Collects one VM's samples, configurations and missing rows while a file is read.</summary>
internal sealed class SeriesBuilder(VmId vm, string name, int capacity = 0)
{
    private readonly List<MetricSample> samples = new(capacity);
    private readonly List<ConfigurationObservation> configurations = [];

    public VmId Vm { get; } = vm;

    public string Name { get; } = name;

    public long MissingRows { get; private set; }

    public void Add(in MetricSample sample) => samples.Add(sample);

    public void AddConfiguration(DateTimeOffset at, VmConfiguration configuration, string cause) =>
        configurations.Add(new ConfigurationObservation(Vm, at, configuration, cause));

    private readonly List<long> missingTimes = [];

    public void CountMissing(long unixSeconds)
    {
        MissingRows++;
        missingTimes.Add(unixSeconds);
    }

    /// <summary>The series, oldest first. Traces are in time order already; a file that is not gets a stable sort.</summary>
    public TraceSeries Build()
    {
        if (!IsInTimeOrder(samples))
        {
            var sorted = samples.OrderBy(s => s.UnixSeconds).ToList();
            samples.Clear();
            samples.AddRange(sorted);
        }
        if (!configurations.Zip(configurations.Skip(1)).All(pair => pair.First.When <= pair.Second.When))
        {
            var sorted = configurations.OrderBy(c => c.When).ToList();
            configurations.Clear();
            configurations.AddRange(sorted);
        }
        missingTimes.Sort();
        return new TraceSeries(Vm, Name, samples.AsReadOnly(), configurations.AsReadOnly(), MissingRows) { MissingTimes = missingTimes.AsReadOnly() };
    }

    private static bool IsInTimeOrder(List<MetricSample> list)
    {
        for (var i = 1; i < list.Count; i++)
            if (list[i].UnixSeconds < list[i - 1].UnixSeconds) return false;
        return true;
    }
}
