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
}
