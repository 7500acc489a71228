using Vmorph.Identity;
using Vmorph.Sources;
using Vmorph.Traces;
using Vmorph.Units;

namespace Vmorph.Replay.Tests;

/// <summary>Loading real traces into a replayed fleet: the series hold the trace's values, clones, limits, bad paths.</summary>
public sealed class ReplayFleetTests
{
    private static ReplayFleet Load(IReadOnlyList<string> paths, ReplayFleetOptions? options = null)
    {
        var loaded = ReplayFleet.Load(paths, options ?? new ReplayFleetOptions(), CancellationToken.None);
        Assert.True(loaded.IsSuccess, string.Join("; ", loaded.Errors));
        return loaded.Value;
    }

    [Fact]
    public void Load_TwoBitbrainsFiles_EachStepHoldsTheTracesCoresAndMemory()
    {
        var fleet = Load(SharedTraces.TwoBitbrainsVms);

        Assert.Equal(["replay:bitbrains:1", "replay:bitbrains:41"], fleet.Vms.Select(v => v.Id.Value));
        Assert.Equal(["bitbrains-1", "bitbrains-41"], fleet.Vms.Select(v => v.Name));
        Assert.Equal("replay:///1", fleet.Uri);
        Assert.Equal(TimeSpan.FromMinutes(5), fleet.Step);
        foreach (var path in SharedTraces.TwoBitbrainsVms)
        {
            var trace = Assert.Single(new TraceReader().Read(path, new TraceReadOptions(), CancellationToken.None).Series);
            var vm = fleet.Find("replay:" + trace.Vm.Value)!;
            var series = vm.Series;
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(trace.Samples[0].UnixSeconds), series.Start);
            Assert.Equal(trace.Configurations[0].Configuration.Vcpus, vm.Configuration.Vcpus);
            Assert.Equal(trace.Configurations[0].Configuration.Memory, vm.Configuration.Memory);
            foreach (var sample in trace.Samples)
            {
                var step = (int)((sample.UnixSeconds - series.Start.ToUnixTimeSeconds() + 150) / 300);
                Assert.Equal((float)sample.Cpu!.Value.Value, (float)series.CoresAt(step)!.Value.Value);
                Assert.Equal((float)sample.Memory!.Value.Mebibytes, (float)series.MemoryAt(step)!.Value.Mebibytes);
            }
        }
    }

    [Fact]
    public void Load_OneVmInTwoMonths_JoinsBothOnOneGrid()
    {
        var july = SharedTraces.Path("bitbrains-rnd", "2013-7", "1.csv.gz");
        var august = SharedTraces.Path("bitbrains-rnd", "2013-8", "1.csv.gz");
        var fleet = Load([july, august]);
        var traces = new[] { july, august }.Select(p => Assert.Single(new TraceReader().Read(p, new TraceReadOptions(), CancellationToken.None).Series)).ToList();

        var series = Assert.Single(fleet.Vms).Series;
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(traces[0].Samples[0].UnixSeconds), series.Start);
        var last = traces[1].Samples[^1];
        var lastStep = (int)((last.UnixSeconds - series.Start.ToUnixTimeSeconds() + 150) / 300);
        Assert.Equal(lastStep + 1, series.Length);
        Assert.Equal((float)last.Cpu!.Value.Value, (float)series.CoresAt(lastStep)!.Value.Value);
        Assert.Equal((float)traces[0].Samples[10].Cpu!.Value.Value, (float)series.CoresAt(10)!.Value.Value);
    }

    [Fact]
    public void DemandAt_PastTheEndOfTheTrace_LoopsAroundToItsStart()
    {
        var vm = Load(SharedTraces.TwoBitbrainsVms).Vms[0];
        var at = vm.Origin + TimeSpan.FromMinutes(7);

        Assert.Equal(1, vm.StepAt(at));
        Assert.Equal(1, vm.StepAt(at + vm.Series.Duration));
        Assert.Equal(vm.DemandAt(at), vm.DemandAt(at + vm.Series.Duration * 3));
        Assert.Equal(vm.Series.Length - 1, vm.StepAt(vm.Origin - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Load_ReplicatedToTwentyFive_GivesDistinctIdsAndNamesWithSharedShiftedSeries()
    {
        var fleet = Load(SharedTraces.TwoBitbrainsVms, new ReplayFleetOptions { ReplicateTo = 25, CloneShift = TimeSpan.FromHours(1) });

        Assert.Equal(25, fleet.Vms.Count);
        Assert.Equal(25, fleet.Vms.Select(v => v.Id).Distinct().Count());
        Assert.Equal(25, fleet.Vms.Select(v => v.Name).Distinct().Count());
        Assert.Equal(2, fleet.Series.Count);
        var original = fleet.Find("bitbrains-41")!;
        var clone = fleet.Find("replay:bitbrains:41~3")!;
        Assert.Equal("bitbrains-41~3", clone.Name);
        Assert.Same(original.Series, clone.Series);
        Assert.Same(fleet.Find(new VmId("replay:bitbrains:1~12")), fleet.Vms[24]);
        Assert.Equal(original.Origin + TimeSpan.FromHours(3), clone.Origin);
        var at = fleet.Start + TimeSpan.FromDays(1);
        Assert.Equal(original.DemandAt(at - TimeSpan.FromHours(3)), clone.DemandAt(at));
        Assert.Contains(fleet.Notes, n => n.Contains("25 VMs from 2 trace VMs", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MaxVmsOfADirectory_TakesTheFirstVmsInNaturalOrder()
    {
        var fleet = Load([SharedTraces.Path("bitbrains-rnd", "2013-7")], new ReplayFleetOptions { MaxVms = 3, Name = "july" });

        Assert.Equal(["replay:bitbrains:1", "replay:bitbrains:2", "replay:bitbrains:3"], fleet.Vms.Select(v => v.Id.Value));
        Assert.Equal("replay:///july", fleet.Uri);
    }

    [Fact]
    public void Load_CpuOnlyTrace_UsesTheNominalSizeAndUtilisationTimesItsVcpus()
    {
        var path = SharedTraces.Path("planetlab-cloudsim", "planetlab_20110303.csv.gz");
        var fleet = Load([path], new ReplayFleetOptions { MaxVms = 2, NominalVcpus = 4, NominalMemory = MemorySize.FromGiB(8) });
        var trace = new TraceReader().Read(path, new TraceReadOptions(), CancellationToken.None).Series[0];

        var vm = fleet.Vms[0];
        Assert.Equal(4, vm.Configuration.Vcpus);
        Assert.Equal(MemorySize.FromGiB(8), vm.Configuration.Memory);
        Assert.False(vm.Series.HasMemory);
        Assert.Null(vm.DemandAt(vm.Origin).Memory);
        Assert.Equal((float)(trace.Samples[5].CpuUtilisation!.Value.Value * 4), (float)vm.Series.CoresAt(5)!.Value.Value);
    }

    [Theory]
    [InlineData("alibaba-v2018-machines", "alibaba-2018")]
    [InlineData("azure-v1-vm-cpu", "azure-v1")]
    [InlineData("bitbrains-rnd", "bitbrains")]
    [InlineData("datacenter-aggregates", "datacenter-aggregate")]
    [InlineData("google2011-gcd-vms", "google-2011-gcd")]
    [InlineData("planetlab-cloudsim", "planetlab")]
    public void Load_EveryTraceDirectory_ReplaysItsFirstVmsWithCpuFromTheTrace(string directory, string format)
    {
        var fleet = Load([SharedTraces.Path(directory)], new ReplayFleetOptions { MaxVms = 2 });

        Assert.Equal(2, fleet.Vms.Count);
        Assert.All(fleet.Vms, vm => Assert.Equal(format, vm.Series.Format));
        Assert.All(fleet.Vms, vm => Assert.Contains(Enumerable.Range(0, vm.Series.Length), s => vm.Series.CoresAt(s) is not null));
        Assert.All(fleet.Vms, vm => Assert.StartsWith(ReplayFleet.IdPrefix, vm.Id.Value, StringComparison.Ordinal));
        Assert.Equal(fleet.Vms.Min(v => v.Series.Start), fleet.Start);
    }

    [Fact]
    public void Load_MissingPath_IsOneErrorNamingIt()
    {
        var loaded = ReplayFleet.Load(["/nonexistent/trace-dir"], new ReplayFleetOptions(), CancellationToken.None);

        var error = Assert.Single(loaded.Errors);
        Assert.Contains("/nonexistent/trace-dir", error, StringComparison.Ordinal);
        Assert.Contains("no such file or directory", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileThatIsNoTrace_IsOneErrorNamingItAndTheFormats()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("vmorph-replay-").FullName, "notes.csv");
        File.WriteAllText(path, "hello,world\n1,2\n");
        try
        {
            var loaded = ReplayFleet.Load([path], new ReplayFleetOptions(), CancellationToken.None);

            var error = Assert.Single(loaded.Errors);
            Assert.StartsWith($"cannot replay {path}: {path}: unknown trace format", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Load_BadOptions_NamesEveryProblemAtOnce()
    {
        var loaded = ReplayFleet.Load(SharedTraces.TwoBitbrainsVms, new ReplayFleetOptions { MaxVms = 0, ReplicateTo = -1, Name = "a b" }, CancellationToken.None);

        Assert.Equal(3, loaded.Errors.Count);
        Assert.All(loaded.Errors, e => Assert.StartsWith("replay: ", e, StringComparison.Ordinal));
    }
}
