using Vmorph.Configuration;
using Vmorph.Units;

namespace Vmorph.Domain.Tests.Configuration;

public class ConfigurationHistoryTests
{
    private static readonly VmConfiguration Small = new() { Vcpus = 1, MaxVcpus = 4, Memory = MemorySize.FromMiB(256), MaxMemory = MemorySize.FromMiB(1024) };

    [Fact]
    public void Record_SameConfigurationTwice_AddsOneVersion()
    {
        var history = ConfigurationHistory.Empty.Record(Small, Samples.Monday, "first").Record(Small with { }, Samples.Monday.AddHours(1), "poll");
        Assert.Single(history.Versions);
        Assert.Equal(1, history.Current!.Version);
    }

    [Fact]
    public void Record_MemoryChanged_AddsVersionWithTheDiff()
    {
        var history = ConfigurationHistory.Empty
            .Record(Small, Samples.Monday, "first")
            .Record(Small with { Memory = MemorySize.FromMiB(384) }, Samples.Monday.AddHours(1), "virsh setmem");
        var v2 = history.Versions[1];
        Assert.Equal(2, v2.Version);
        Assert.Equal("virsh setmem", v2.Cause);
        var change = Assert.Single(v2.Changes);
        Assert.Equal("memory.current", change.Path);
        Assert.Equal((256 * MemorySize.MiB).ToString(System.Globalization.CultureInfo.InvariantCulture), change.Before);
        Assert.Equal((384 * MemorySize.MiB).ToString(System.Globalization.CultureInfo.InvariantCulture), change.After);
        Assert.Equal('~', change.Kind);
    }

    [Fact]
    public void ContentHash_EqualConfigurations_AreEqualAndDifferentOnesDiffer()
    {
        var disk = new DiskConfiguration { Source = "/var/lib/a.qcow2", Capacity = MemorySize.FromGiB(1) };
        var a = Small with { Disks = Small.Disks.Add("vda", disk) };
        var b = Small with { Disks = Small.Disks.Add("vda", disk with { }) };
        Assert.Equal(a.ContentHash(), b.ContentHash());
        Assert.NotEqual(a.ContentHash(), (a with { Vcpus = 2 }).ContentHash());
        Assert.Equal(64, a.ContentHash().Length);
    }

    [Fact]
    public void DiffTo_DiskAttached_IsAnAddition()
    {
        var attached = Small with { Disks = Small.Disks.Add("vdb", new DiskConfiguration { Source = "/tmp/b.qcow2" }) };
        var change = Assert.Single(Small.DiffTo(attached));
        Assert.Equal('+', change.Kind);
        Assert.Equal("disk.vdb.source", change.Path);
    }

    [Fact]
    public void Latest_ExtendedInTimeOrder_RecordsWhatTheWholeHistoryRecords()
    {
        var whole = ConfigurationHistory.Empty
            .Record(Small, Samples.Monday, "first")
            .Record(Small with { Vcpus = 2 }, Samples.Monday.AddHours(1), "morph")
            .Record(Small with { Vcpus = 2 }, Samples.Monday.AddHours(2), "poll")
            .Record(Small with { Vcpus = 3 }, Samples.Monday.AddHours(3), "morph");
        var latest = whole.Latest();
        Assert.Equal(3, whole.Versions.Count);
        Assert.Equal(2, latest.Earlier);
        Assert.Same(whole.Current!.Configuration, Assert.Single(latest.Versions).Configuration);
        Assert.Equal(whole.Current.Version, latest.Current!.Version);

        // Seen again, then changed: the same version, then the same new version (number, hash, changes) as the whole.
        var at = Samples.Monday.AddHours(4);
        Assert.Same(latest, latest.Record(Small with { Vcpus = 3 }, at, "poll"));
        var next = Small with { Vcpus = 3, Memory = MemorySize.FromMiB(512) };
        var fromWhole = whole.Record(next, at.AddHours(1), "morph").Current!;
        var fromLatest = latest.Record(next, at.AddHours(1), "morph");
        Assert.Equal(2, fromLatest.Earlier);
        Assert.Equal(2, fromLatest.Versions.Count);
        Assert.Equal(4, fromLatest.Current!.Version);
        Assert.Equal((fromWhole.Version, fromWhole.ContentHash, fromWhole.ObservedAt), (fromLatest.Current!.Version, fromLatest.Current.ContentHash, fromLatest.Current.ObservedAt));
        Assert.Equal(fromWhole.Changes, fromLatest.Current.Changes);
        Assert.Equal((3, 1), (fromLatest.Latest().Earlier, fromLatest.Latest().Versions.Count));
    }

    [Fact]
    public void Latest_IgnoresAnObservationOlderThanItsLatestVersion_WhichSupersedesIt()
    {
        // A collector's cycle that read the VM just before a morph recorded version 2: what it saw is not a version.
        var latest = ConfigurationHistory.Empty
            .Record(Small, Samples.Monday, "first")
            .Record(Small with { Vcpus = 2 }, Samples.Monday.AddHours(2), "morph")
            .Latest();
        Assert.Same(latest, latest.Record(Small, Samples.Monday.AddHours(1), "periodic comparison"));
        Assert.Same(latest, latest.Record(Small with { Vcpus = 4 }, Samples.Monday.AddHours(1), "periodic comparison"));

        // Also when no version came before it; and a later one still extends it.
        var first = ConfigurationHistory.Empty.Record(Small, Samples.Monday, "first").Latest();
        Assert.Equal(0, first.Earlier);
        Assert.Same(first, first.Record(Small with { Vcpus = 4 }, Samples.Monday.AddHours(-1), "late"));
        Assert.Equal(2, first.Record(Small with { Vcpus = 4 }, Samples.Monday.AddHours(1), "grown").Current!.Version);
    }

    [Fact]
    public void Latest_KeepsNoTimesSeenAgain_AndIsItselfOnceTaken()
    {
        var seen = ConfigurationHistory.Empty.Record(Small, Samples.Monday, "first").Record(Small, Samples.Monday.AddHours(1), "poll");
        Assert.Single(seen.Current!.SeenAgain);
        var latest = seen.Latest();
        Assert.Empty(latest.Current!.SeenAgain);
        Assert.Equal(0, latest.Earlier);
        Assert.Same(latest, latest.Latest());
        Assert.Same(ConfigurationHistory.Empty, ConfigurationHistory.Empty.Latest());
    }

    [Fact]
    public void SeenAgain_OnceFull_IsTheSameVersionForALaterTime()
    {
        var history = ConfigurationHistory.Empty.Record(Small, Samples.Monday, "first");
        for (var i = 1; i <= ConfigurationVersion.MaxSeenAgain; i++) history = history.Record(Small, Samples.Monday.AddMinutes(5 * i), "poll");
        Assert.Equal(ConfigurationVersion.MaxSeenAgain, history.Current!.SeenAgain.Count);
        Assert.Same(history, history.Record(Small, Samples.Monday.AddDays(1), "poll"));
    }
}
