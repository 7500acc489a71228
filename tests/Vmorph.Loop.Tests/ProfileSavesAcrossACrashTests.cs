using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Loop.Grains;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Server;
using Vmorph.Storage.Sqlite;
using Vmorph.Units;

namespace Vmorph.Loop.Tests;

/// <summary>
/// The decide loop writes a VM's profile document every few cycles and appends each sample: a server that stops
/// between two documents loses no observation, and the sink sends a VM's configuration only when its grain lacks it.
/// </summary>
public sealed class ProfileSavesAcrossACrashTests
{
    private static readonly string Trace = SharedTraces.Path("bitbrains-rnd", "2013-8");

    [Fact]
    public async Task A_server_stopped_between_two_profile_documents_loses_no_sample_and_loads_the_profile_as_folded_without_interruption()
    {
        var data = LoopServer.TempDirectory();
        var policies = Path.Combine(data, "none.yaml");
        // No policy governs the VM: nothing but the collector's samples moves its profile.
        await File.WriteAllTextAsync(policies, """
            policies:
              - name: none
                description: matches no VM
                match:
                  names: ["no-such-vm-*"]
            """);
        var fake = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        string vm;
        await using (var server = await LoopServer.StartAsync(new ServeOptions
        {
            DataDirectory = data,
            ReplayTrace = Trace,
            ReplayVms = 16,
            ReplaySpeed = 300,
            ReplayStart = new DateTimeOffset(2013, 8, 1, 8, 0, 0, TimeSpan.Zero),
            Policies = policies,
            Clock = fake,
        }))
        {
            // A VM whose stored window is not compacted during the test: a compaction writes the window's samples as
            // floats (the profile document it writes with them folds them exactly), so the window would no longer tell
            // the uninterrupted profile. Its first compaction comes after this many saved samples; the test saves at most
            // two documents' worth (1 + up to SamplesBetweenDocuments + SamplesBetweenDocuments - 5).
            var listed = await LoopServer.WaitForAsync(async () => (await server.Loop.ListAsync(CancellationToken.None)) is { Count: 16 } all && all.All(v => v.LastObserved is not null) ? all : null,
                TimeSpan.FromSeconds(60), "the first cycle of the 16 VMs");
            vm = listed.Select(v => v.Vm).FirstOrDefault(v => VmGrain.PhaseOf(new VmId(v)) % VmGrain.AppendsBetweenCompactions >= 2 * VmGrain.SamplesBetweenDocuments)
                ?? throw new InvalidOperationException("none of the 16 VMs compacts its window after two documents' worth of samples (a chance of 1 in 65,536)");
            // The first save writes the document; the next comes at the VM's own phase of the cadence (Cadence), within
            // a document's interval. After it, fewer samples than that interval (with room for a cycle or two more, see
            // StepAsync): every one is appended only.
            var first = DocumentSamples(data, vm);
            for (var i = 0; DocumentSamples(data, vm) == first; i++)
            {
                Assert.True(i <= 2 * VmGrain.SamplesBetweenDocuments, $"no document written after the first in {i} cycles");
                await StepAsync(server, fake, vm);
            }
            for (var i = 0; i < VmGrain.SamplesBetweenDocuments - 5; i++) await StepAsync(server, fake, vm);
        } // stopped: the grain writes nothing on its way out, as in a crash

        var database = Path.Combine(data, "replay", "vmorph.db");
        var documentSamples = DocumentSamples(data, vm);
        using var store = SqliteFleetStore.Open(database, TimeProvider.System);
        var window = (await store.LoadRecentAsync(new VmId(vm), CancellationToken.None))!;
        var loaded = (await store.LoadAsync([new VmId(vm)], CancellationToken.None))[new VmId(vm)].Profile;

        Assert.True(documentSamples < window.Samples.Count - 3, $"the stored document holds {documentSamples} of {window.Samples.Count} samples: the test needs it behind");
        // The uninterrupted profile: every sample observed, folded in order into the VM's profile as the grain began it.
        var uninterrupted = new PersonalityProfile(loaded.Id, loaded.Name, loaded.Source, loaded.BaseImage) { GuestViewMissing = loaded.GuestViewMissing };
        uninterrupted.EvidenceHalfLife = loaded.EvidenceHalfLife;
        foreach (var sample in window.Samples) uninterrupted.Fold(sample);
        Assert.Equal(window.Samples.Count, loaded.Performance.Samples);
        Assert.Equal(ProfileCodec.Encode(uninterrupted), ProfileCodec.Encode(loaded));
    }

    [Fact]
    public async Task A_grain_asks_for_a_configuration_named_but_not_sent_and_folds_one_it_holds_without_it()
    {
        var data = LoopServer.TempDirectory();
        await using var server = await LoopServer.StartAsync(new ServeOptions
        {
            DataDirectory = data,
            ReplayTrace = Trace,
            ReplayVms = 1,
            ReplaySpeed = 1,
        });
        var grains = server.Provider.GetRequiredService<IGrainFactory>();
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        var two = new VmConfiguration { Vcpus = 2, Memory = MemorySize.FromGiB(4) };
        var four = two with { Vcpus = 4 };
        VmObservations Observed(int step, VmConfiguration configuration) => new(
            new DomainDescription(new VmId("tag-test"), "tag-test", DomainState.Running, 1, configuration, BaseImageId.Unknown, GuestAgentState.None),
            at.AddMinutes(5 * step), [], new MetricSample(at.AddMinutes(5 * step), cpu: new CpuCores(0.5), cpuAllocated: new CpuCores(configuration.Vcpus ?? 1)));
        var grain = grains.GetGrain<IVmGrain>("tag-test");
        var twoJson = ObservationMessage.EncodeConfiguration(two);
        var twoTag = ObservationMessage.TagOf(twoJson);

        var unknown = await grain.ObserveAsync(ObservationMessage.From(Observed(0, two), "test", "test:///", null, twoTag));
        Assert.True(unknown.ConfigurationNeeded);
        Assert.Null(unknown.ConfigurationVersion);

        var sent = await grain.ObserveAsync(ObservationMessage.From(Observed(0, two), "test", "test:///", twoJson, twoTag));
        Assert.False(sent.ConfigurationNeeded);
        Assert.Equal(1, sent.NewVersion);

        var named = await grain.ObserveAsync(ObservationMessage.From(Observed(1, two), "test", "test:///", null, twoTag));
        Assert.False(named.ConfigurationNeeded);
        Assert.Equal(1, named.ConfigurationVersion);
        Assert.Null(named.NewVersion);

        var fourJson = ObservationMessage.EncodeConfiguration(four);
        var other = await grain.ObserveAsync(ObservationMessage.From(Observed(2, four), "test", "test:///", null, ObservationMessage.TagOf(fourJson)));
        Assert.True(other.ConfigurationNeeded);
        var changed = await grain.ObserveAsync(ObservationMessage.From(Observed(2, four), "test", "test:///", fourJson, ObservationMessage.TagOf(fourJson)));
        Assert.Equal(2, changed.NewVersion);
        Assert.Equal(4, (await server.Loop.GetAsync("tag-test", CancellationToken.None))!.Cores);
    }

    /// <summary>
    /// One collection cycle: advances the fake clock by a replayed step. If the collector had not yet armed its next
    /// wait when the clock moved (a loaded machine), nothing fires: the clock is moved again after 5 s without a cycle,
    /// which at worst makes one cycle more than asked (the test leaves room for it).
    /// </summary>
    // How many samples the VM's stored profile document has folded.
    private static long DocumentSamples(string data, string vm)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "replay", "vmorph.db")}");
        connection.Open();
        return ProfileCodec.Decode(connection.ExecuteScalar<byte[]>("SELECT profile FROM vms WHERE vm_id = @vm", new { vm })!).Performance.Samples;
    }

    private static async Task StepAsync(LoopServer server, FakeTimeProvider fake, string vm)
    {
        var seen = (await server.Loop.GetAsync(vm, CancellationToken.None))!.LastObserved;
        for (var attempt = 1; ; attempt++)
        {
            fake.Advance(TimeSpan.FromSeconds(1));
            try
            {
                await LoopServer.WaitForAsync(async () => (await server.Loop.GetAsync(vm, CancellationToken.None)) is { } s && s.LastObserved > seen ? s : null,
                    TimeSpan.FromSeconds(5), "the next cycle");
                return;
            }
            catch (TimeoutException) when (attempt < 6)
            {
            }
        }
    }
}
