using System.Collections.Concurrent;
using System.Reflection;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Loop.Grains;
using Vmorph.Loop.Hosting;
using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.Loop.Tests;

/// <summary>
/// The sink's plumbing, with grains that answer from a table (the real grains are exercised by the other tests): one
/// VM's failing grain is reported, and the other VMs' cycle goes on.
/// </summary>
public sealed class GrainObservationSinkTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static VmObservations Observed(int n)
    {
        var domain = new DomainDescription(new VmId($"00000000-0000-4000-8000-{n:D12}"), $"vm-{n}", DomainState.Running, n,
            new VmConfiguration { Vcpus = 2, Memory = MemorySize.FromGiB(2) }, BaseImageId.Unknown, GuestAgentState.Connected, new Dictionary<string, string>());
        return new VmObservations(domain, At, [], new MetricSample(At, cpu: new CpuCores(1), cpuAllocated: new CpuCores(2)), null, 0, null, null, [], TimeSpan.Zero);
    }

    [Fact]
    public async Task A_grain_that_fails_is_reported_and_sent_its_configuration_again_while_the_others_are_delivered()
    {
        var failing = Observed(2).Domain.Id;
        var calls = new ConcurrentDictionary<string, List<bool>>();
        var factory = GrainTable.Create(calls, failing.Value);
        var failures = new ConcurrentBag<(VmId Vm, Exception Error)>();
        var sink = new GrainObservationSink(factory, "test:///default", "libvirt:test:///default", (vm, e) => failures.Add((vm, e)));
        var batch = Enumerable.Range(1, 5).Select(Observed).ToList();

        var reports = await sink.DeliverAsync(batch, CancellationToken.None);

        Assert.Equal(batch.Select(o => o.Domain.Id), reports.Select(r => r.Id));
        Assert.All(reports.Where(r => r.Id != failing), r => Assert.Equal(1, r.ConfigurationVersion));
        Assert.Null(reports.Single(r => r.Id == failing).ConfigurationVersion);
        var (vm, error) = Assert.Single(failures);
        Assert.Equal(failing, vm);
        Assert.Equal("the grain failed", error.Message);

        // Next cycle: the VMs delivered before are sent no configuration; the one that failed gets it whole again.
        await sink.DeliverAsync(batch, CancellationToken.None);
        Assert.All(calls.Where(c => c.Key != failing.Value), c => Assert.Equal([true, false], c.Value));
        Assert.Equal([true, true], calls[failing.Value]);
    }

    // A grain factory whose grains answer ObserveAsync from a table, recording whether each call carried the
    // configuration; the grain named `failing` throws.
    public class GrainTable : DispatchProxy
    {
        private ConcurrentDictionary<string, List<bool>> calls = null!;
        private string failing = null!;
        private string? key;

        public static IGrainFactory Create(ConcurrentDictionary<string, List<bool>> calls, string failing)
        {
            var factory = Create<IGrainFactory, GrainTable>();
            var table = (GrainTable)(object)factory;
            table.calls = calls;
            table.failing = failing;
            return factory;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (key is null && targetMethod.Name == nameof(IGrainFactory.GetGrain) && targetMethod.IsGenericMethod
                && targetMethod.GetGenericArguments()[0] == typeof(IVmGrain) && args?[0] is string id)
            {
                var grain = Create<IVmGrain, GrainTable>();
                var table = (GrainTable)(object)grain;
                (table.calls, table.failing, table.key) = (calls, failing, id);
                return grain;
            }
            if (key is not null && targetMethod.Name == nameof(IVmGrain.ObserveAsync) && args?[0] is ObservationMessage message)
            {
                lock (calls) calls.GetOrAdd(key, _ => []).Add(message.Configuration is not null);
                return key == failing
                    ? Task.FromException<ObservationResult>(new InvalidOperationException("the grain failed"))
                    : Task.FromResult(new ObservationResult(1, null, null, null, []));
            }
            throw new NotSupportedException($"{targetMethod.Name} is not part of this table");
        }
    }
}
