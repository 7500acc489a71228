using System.Collections.Concurrent;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Loop.Grains;

namespace Vmorph.Loop.Hosting;

/// <summary>
/// The collector's sink in <c>vmorph serve</c>: each VM's observations go to its grain, which folds and saves them;
/// VMs the hypervisor stopped listing are told they are gone. A VM's configuration goes with its observations only
/// when it differs from the one sent it last (the grain asks again for one it lacks): it rarely changes.
/// A VM whose grain fails is told to <paramref name="failed"/> and left out of the cycle's changes; the other VMs' cycle
/// goes on (one VM's fault must not stop the fleet's loop).
/// </summary>
public sealed class GrainObservationSink(IGrainFactory grains, string uri, string source, Action<VmId, Exception>? failed = null) : IObservationSink
{
    // VMs delivered at once: enough that their saves gather into transactions of BatchedProfileSaves.GroupSize and more.
    private const int Parallelism = 256;
    private static readonly ObservationResult NothingFolded = new(null, null, null, null, []);
    private readonly ConcurrentDictionary<VmId, SentConfiguration> sent = new();
    private HashSet<VmId> listed = [];

    /// <inheritdoc />
    public async Task<IReadOnlyList<VmCycleReport>> DeliverAsync(IReadOnlyList<VmObservations> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var reports = new VmCycleReport[batch.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var o = batch[i];
                ObservationResult result;
                try
                {
                    result = await ObserveAsync(o);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // Sent again whole next cycle: the grain may have folded part of it.
                    sent.TryRemove(o.Domain.Id, out _);
                    failed?.Invoke(o.Domain.Id, e);
                    result = NothingFolded;
                }
                ConfigurationVersion? made = result.NewVersion is { } v
                    ? new ConfigurationVersion(v, result.NewVersionHash ?? "", o.At, result.NewVersionCause ?? "", o.Domain.Configuration,
                        [.. result.NewVersionChanges.Select(c => new ConfigurationChange(c[0], c[1].Length == 0 ? null : c[1], c[2].Length == 0 ? null : c[2]))])
                    : null;
                reports[i] = new VmCycleReport(o.Domain.Id, o.Domain.Name, o.Domain.State, result.ConfigurationVersion, made, o.Sample, o.NoRates,
                    o.Snapshot, o.Snapshot is null ? o.GuestMissing : null, o.GuestProblems ?? [], o.GuestElapsed);
            });
        return reports;
    }

    private async Task<ObservationResult> ObserveAsync(VmObservations o)
    {
        var (grain, configuration, tag) = ConfigurationToSend(o.Domain);
        var result = await grain.ObserveAsync(ObservationMessage.From(o, source, uri, configuration, tag));
        if (result.ConfigurationNeeded)
            result = await grain.ObserveAsync(ObservationMessage.From(o, source, uri, configuration ?? ObservationMessage.EncodeConfiguration(o.Domain.Configuration), tag));
        return result;
    }

    // The VM's grain (its reference kept: resolving one costs more than the call's own routing), the configuration's
    // JSON when it differs from the one sent last (null when not), and its tag. The collector hands the same object
    // while nothing changed (the replay); another object is compared by its content's tag.
    private (IVmGrain Grain, byte[]? Configuration, long Tag) ConfigurationToSend(DomainDescription domain)
    {
        var last = sent.GetValueOrDefault(domain.Id);
        if (last is not null && ReferenceEquals(last.Configuration, domain.Configuration)) return (last.Grain, null, last.Tag);
        var grain = last?.Grain ?? grains.GetGrain<IVmGrain>(domain.Id.Value);
        var json = ObservationMessage.EncodeConfiguration(domain.Configuration);
        var tag = ObservationMessage.TagOf(json);
        sent[domain.Id] = new SentConfiguration(grain, domain.Configuration, tag);
        return (grain, last?.Tag == tag ? null : json, tag);
    }

    /// <summary>After a whole cycle: the VMs listed before and not now are gone.</summary>
    public async Task CycleEndedAsync(CycleReport cycle)
    {
        ArgumentNullException.ThrowIfNull(cycle);
        var now = cycle.Vms.Select(v => v.Id).ToHashSet();
        foreach (var gone in listed.Where(v => !now.Contains(v)))
        {
            sent.TryRemove(gone, out _);
            await grains.GetGrain<IVmGrain>(gone.Value).MarkGoneAsync();
        }
        listed = now;
    }

    private sealed record SentConfiguration(IVmGrain Grain, VmConfiguration Configuration, long Tag);
}
