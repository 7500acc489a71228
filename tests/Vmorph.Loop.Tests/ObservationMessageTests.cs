using System.Collections.Immutable;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Loop.Grains;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Units;

namespace Vmorph.Loop.Tests;

/// <summary>What the collector hands a grain arrives whole: folding the decoded message gives the same profile as folding the original.</summary>
public sealed class ObservationMessageTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static VmObservations Observed(DateTimeOffset at)
    {
        var configuration = new VmConfiguration
        {
            Vcpus = 2,
            MaxVcpus = 4,
            Memory = MemorySize.FromGiB(2),
            MaxMemory = MemorySize.FromGiB(4),
            Disks = ImmutableSortedDictionary<string, DiskConfiguration>.Empty.Add("vda", new DiskConfiguration { Source = "/var/lib/libvirt/images/a.qcow2", Capacity = MemorySize.FromGiB(20), ReadBytesPerSecond = new ByteRate(1e8) }),
            Nics = ImmutableSortedDictionary<string, NicConfiguration>.Empty.Add("vnet0", new NicConfiguration { Type = "network", Model = "virtio" }),
            Guest = ImmutableSortedDictionary<string, string>.Empty.Add("package.nginx", "1.22"),
        };
        var domain = new DomainDescription(new VmId("4b7a3c2e-0000-4000-8000-000000000001"), "web-1", DomainState.Running, 7, configuration,
            new BaseImageId("debian-12.qcow2"), GuestAgentState.Connected, new Dictionary<string, string> { ["tier"] = "web" });
        var sample = new MetricSample(at, cpu: new CpuCores(1.5), cpuAllocated: new CpuCores(2), memory: MemorySize.FromMiB(900), memoryAllocated: MemorySize.FromGiB(2),
            diskRead: new ByteRate(12345), diskWrite: new ByteRate(678), networkReceive: new ByteRate(1e6), networkTransmit: new ByteRate(2e6), cpuDemand: new CpuCores(1.9));
        var snapshot = new InventorySnapshot
        {
            At = at,
            Processes = [new ProcessInfo(1, "/usr/sbin/nginx", 12.5, 50_000_000, at.AddHours(-1), false), new ProcessInfo(2, "/usr/bin/bash", 0.1, 4_000_000, null, true)],
            Sockets = [new SocketInfo("tcp", true, 80, null, null, "nginx"), new SocketInfo("tcp", false, 43210, "10.0.0.9", 5432, "nginx")],
            Interfaces = [new InterfaceCounters("eth0", 1000, 2000, 10, 20)],
            Packages = ["nginx", "openssh-server"],
            Services = ["nginx.service"],
            Footprint = new FootprintScan
            {
                Paths = ["/var/www"],
                Categories = new Dictionary<string, CategoryCount> { ["web"] = new(12, 34_000) },
                AccessRecency = new Dictionary<string, long> { ["week"] = 3 },
                Sensitive = new Dictionary<string, long> { ["private-key"] = 1 },
            },
            Sessions = [new LoginSession("alice", "pts/0", at.AddMinutes(-5), true)],
            System = new GuestSystem("web-1", "6.1.0", 3600, 2, MemorySize.FromGiB(2), MemorySize.FromMiB(1100)),
        };
        return new VmObservations(domain, at, ["tuning changed: vcpus.current=2"], sample, null, 1, snapshot, null, ["sessions: who failed"], TimeSpan.FromMilliseconds(420));
    }

    [Fact]
    public void A_decoded_message_folds_into_the_same_profile_as_the_original()
    {
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        var original = Observed(at);
        var decoded = ObservationMessage.From(original, "libvirt:qemu:///system", "qemu:///system").ToObservations();

        Assert.Equal(original.Domain with { Labels = null, Configuration = decoded.Domain.Configuration }, decoded.Domain with { Labels = null });
        Assert.Equal(original.Domain.Configuration.ContentHash(), decoded.Domain.Configuration.ContentHash());
        Assert.Equal("web", decoded.Domain.Labels!["tier"]);
        Assert.Equal(original.Sample, decoded.Sample);
        Assert.Equal(original.Events, decoded.Events);
        Assert.Equal((original.Missed, original.GuestElapsed), (decoded.Missed, decoded.GuestElapsed));
        Assert.Equal(original.GuestProblems, decoded.GuestProblems);

        var a = new PersonalityProfile(original.Domain.Id, "web-1", "libvirt:qemu:///system");
        var b = new PersonalityProfile(original.Domain.Id, "web-1", "libvirt:qemu:///system");
        ObservationFolder.Fold(original, a, new RecentSamples(), Key, "qemu:///system");
        ObservationFolder.Fold(decoded, b, new RecentSamples(), Key, "qemu:///system");
        Assert.Equal(ProfileCodec.Encode(a), ProfileCodec.Encode(b));
        Assert.True(a.Applications.IsObserved && a.Network.IsObserved && a.DataFootprint.IsObserved);
    }

    [Fact]
    public void A_message_without_sample_or_guest_view_stays_without_them()
    {
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        var bare = Observed(at) with { Sample = null, Snapshot = null, NoRates = "first reading", GuestMissing = "web-1 is shut off", Missed = 0 };
        var decoded = ObservationMessage.From(bare, "s", "u").ToObservations();
        Assert.Null(decoded.Sample);
        Assert.Null(decoded.Snapshot);
        Assert.Equal("first reading", decoded.NoRates);
        Assert.Equal("web-1 is shut off", decoded.GuestMissing);
    }

    [Fact]
    public void A_message_without_its_configuration_decodes_with_the_one_sent_before_and_says_so_when_there_is_none()
    {
        var original = Observed(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        var json = ObservationMessage.EncodeConfiguration(original.Domain.Configuration);
        var tag = ObservationMessage.TagOf(json);
        var without = ObservationMessage.From(original, "libvirt:qemu:///system", "qemu:///system", null, tag);

        Assert.Equal(tag, ObservationMessage.From(original, "libvirt:qemu:///system", "qemu:///system").ConfigurationTag);
        Assert.Equal(tag, ObservationMessage.TagOf(ObservationMessage.EncodeConfiguration(original.Domain.Configuration with { })));
        Assert.NotEqual(tag, ObservationMessage.TagOf(ObservationMessage.EncodeConfiguration(original.Domain.Configuration with { Vcpus = 3 })));
        Assert.Same(original.Domain.Configuration, without.ToObservations(original.Domain.Configuration).Domain.Configuration);
        var error = Assert.Throws<FormatException>(() => without.ToObservations());
        Assert.Contains("VM 4b7a3c2e-0000-4000-8000-000000000001 carries no configuration", error.Message, StringComparison.Ordinal);
    }
}
