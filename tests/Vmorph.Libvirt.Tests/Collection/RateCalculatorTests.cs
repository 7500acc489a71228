using Vmorph.Collection;
using Vmorph.Identity;

namespace Vmorph.Libvirt.Tests.Collection;

public class RateCalculatorTests
{
    private static readonly VmId Vm = new("rate-test");
    private static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(30);

    private static DomainCounters At(double seconds, long cpuNs, long diskRead = 0, long diskWrite = 0, long rx = 0, long tx = 0, int runtime = 1) => new()
    {
        Vm = Vm,
        At = DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000 + seconds),
        MonotonicSeconds = seconds,
        RuntimeId = runtime,
        CpuTimeNanoseconds = cpuNs,
        Vcpus = 2,
        BalloonCurrentKiB = 262144,
        BalloonAvailableKiB = 200_000,
        BalloonUsableKiB = 50_000,
        Disks = [new DeviceCounters("vda", diskRead, diskWrite)],
        Nics = [new DeviceCounters("vmlab-1", rx, tx)],
    };

    [Fact]
    public void Compute_TwoReadings_GivesCpuDiskNetworkRatesAndMemory()
    {
        var result = RateCalculator.Compute(At(0, 0), At(10, 5_000_000_000, 10_240, 20_480, 1000, 3000), MaxGap);
        var s = result.Sample!.Value;
        Assert.Null(result.NoRates);
        Assert.Equal(0.5, s.Cpu!.Value.Value, 9);
        Assert.Equal(0.25, s.CpuUtilisation!.Value.Value, 9);
        Assert.Equal(1024, s.DiskRead!.Value.BytesPerSecond, 9);
        Assert.Equal(2048, s.DiskWrite!.Value.BytesPerSecond, 9);
        Assert.Equal(100, s.NetworkReceive!.Value.BytesPerSecond, 9);
        Assert.Equal(300, s.NetworkTransmit!.Value.BytesPerSecond, 9);
        Assert.Equal(150_000 * 1024.0, s.Memory!.Value.Bytes);
        Assert.Equal(0.75, s.MemoryUtilisation!.Value.Value, 9);
        Assert.Equal(256 * 1024 * 1024.0, s.MemoryAllocated!.Value.Bytes);
    }

    [Fact]
    public void Compute_FirstReading_GivesGaugesOnly()
    {
        var result = RateCalculator.Compute(null, At(0, 123), MaxGap);
        Assert.Null(result.Sample!.Value.Cpu);
        Assert.NotNull(result.Sample.Value.Memory);
        Assert.Equal("first reading: rates need two", result.NoRates);
    }

    [Fact]
    public void Compute_CounterWentBack_GivesNoRateForThatDevice()
    {
        var result = RateCalculator.Compute(At(0, 0, 5000, 5000), At(10, 1_000_000_000, 100, 100), MaxGap);
        Assert.NotNull(result.Sample!.Value.Cpu);
        Assert.Null(result.Sample.Value.DiskRead);
        Assert.Contains("vda went back", result.NoRates, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_DomainRestarted_GivesNoRates()
    {
        var result = RateCalculator.Compute(At(0, 9_000_000_000), At(10, 1_000_000_000, runtime: 2), MaxGap);
        Assert.Null(result.Sample!.Value.Cpu);
        Assert.Contains("restarted", result.NoRates, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_GapLongerThanAllowed_IsLeftUnfilled()
    {
        var result = RateCalculator.Compute(At(0, 0), At(300, 150_000_000_000), MaxGap);
        Assert.Null(result.Sample!.Value.Cpu);
        Assert.Contains("no rate is made up across the gap", result.NoRates, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_NotRunning_GivesNoSample()
    {
        var result = RateCalculator.Compute(At(0, 0), At(10, 0) with { State = DomainState.ShutOff }, MaxGap);
        Assert.Null(result.Sample);
    }

    [Fact]
    public void Compute_NoNetworkStatistics_LeavesNetworkAbsentNotZero()
    {
        var result = RateCalculator.Compute(At(0, 0) with { Nics = [] }, At(10, 0) with { Nics = [] }, MaxGap);
        Assert.Null(result.Sample!.Value.NetworkReceive);
        Assert.NotNull(result.Sample.Value.Cpu);
    }

    // Measured in the lab (docs/COLLECTING.md): a 1-vCPU guest spinning on a host at load 12 received 0.4 cores and its
    // vCPU waited 0.6 s per second for a host CPU; capped at vcpu_quota=25000 it received 0.25 and waited 0.75.
    [Theory]
    [InlineData(4_000_000_000, 6_000_000_000, 0.4, 1.0)]
    [InlineData(2_500_000_000, 7_500_000_000, 0.25, 1.0)]
    [InlineData(100_000_000, 50_000_000, 0.01, 0.015)]
    public void Compute_StarvedOrCappedVm_DemandIsWhatItReceivedPlusWhatItsVcpusWaited(long cpuNs, long delayNs, double received, double demand)
    {
        var before = At(0, 0) with { VcpuDelays = [new VcpuDelay(0, 1_000_000)] };
        var after = At(10, cpuNs) with { VcpuDelays = [new VcpuDelay(0, 1_000_000 + delayNs)] };
        var s = RateCalculator.Compute(before, after, MaxGap).Sample!.Value;
        Assert.Equal(received, s.Cpu!.Value.Value, 9);
        Assert.Equal(demand, s.CpuDemand!.Value.Value, 9);
        Assert.Equal(demand, s.CpuWanted!.Value.Value, 9);
        Assert.Equal(demand / 2, s.CpuUtilisation!.Value.Value, 9); // the share of its 2 vCPUs it wanted, for its traits
    }

    [Fact]
    public void Compute_VcpuHotAddedBetweenReadings_CountsTheWaitOfTheVcpusReadTwice()
    {
        var before = At(0, 0) with { VcpuDelays = [new VcpuDelay(0, 0)] };
        var after = At(10, 10_000_000_000) with { VcpuDelays = [new VcpuDelay(0, 5_000_000_000), new VcpuDelay(1, 9_000_000_000)] };
        Assert.Equal(1.5, RateCalculator.Compute(before, after, MaxGap).Sample!.Value.CpuDemand!.Value.Value, 9);
    }

    [Fact]
    public void Compute_VcpuDelayWentBack_LeavesDemandAbsentAndUseMeasured()
    {
        var before = At(0, 0) with { VcpuDelays = [new VcpuDelay(0, 5_000_000_000)] };
        var after = At(10, 3_000_000_000) with { VcpuDelays = [new VcpuDelay(0, 1_000_000)] };
        var s = RateCalculator.Compute(before, after, MaxGap).Sample!.Value;
        Assert.Null(s.CpuDemand);
        Assert.Equal(0.3, s.Cpu!.Value.Value, 9);
        Assert.Equal(0.3, s.CpuWanted!.Value.Value, 9);
    }

    [Fact]
    public void Compute_NoVcpuDelays_LeavesDemandAbsentNotEqualToUse()
    {
        var s = RateCalculator.Compute(At(0, 0), At(10, 5_000_000_000), MaxGap).Sample!.Value;
        Assert.Null(s.CpuDemand);
        Assert.Equal(0.5, s.CpuWanted!.Value.Value, 9);
    }

    private static IReadOnlyList<GuestCpuTime> Guest(params (long Busy, long Idle)[] cpus) =>
        [.. cpus.Select((times, cpu) => new GuestCpuTime(cpu, times.Busy, times.Idle))];

    // Measured in the lab (docs/COLLECTING.md): an idle 2-vCPU guest on a host at load 36 received 0.03 cores and its
    // vCPUs waited 0.23 s per second (their wake-ups queued on the host), while the guest counted itself 1.5 % busy.
    [Fact]
    public void Compute_GuestCpuTimesReadTwice_DemandIsTheGuestsBusyShareNotItsWaits()
    {
        var before = At(0, 0) with { VcpuDelays = [new VcpuDelay(0, 0)], GuestCpu = Guest((100, 1_000), (200, 2_000)) };
        var after = At(10, 300_000_000) with { VcpuDelays = [new VcpuDelay(0, 2_300_000_000)], GuestCpu = Guest((220, 8_880), (320, 9_880)) };
        var s = RateCalculator.Compute(before, after, MaxGap).Sample!.Value;
        Assert.Equal(0.03, s.Cpu!.Value.Value, 9);
        Assert.Equal(0.03, s.CpuDemand!.Value.Value, 9);
    }

    // A guest spinning both vCPUs counts them busy all the time, however few ticks a starved or capped vCPU counted;
    // its utilisation (what its traits read) is that of the busy workload it is, not of the host's contention.
    [Fact]
    public void Compute_GuestBusyOnEveryCpu_DemandIsItsVcpus_AndItsUtilisationIsFull()
    {
        var before = At(0, 0) with { GuestCpu = Guest((100, 1_000), (100, 1_000)) };
        var after = At(10, 3_000_000_000) with { GuestCpu = Guest((1_600, 1_000), (2_100, 1_000)) };
        var sample = RateCalculator.Compute(before, after, MaxGap).Sample!.Value;
        Assert.Equal(2.0, sample.CpuDemand!.Value.Value, 9);
        Assert.Equal(1.0, sample.CpuUtilisation!.Value.Value, 9);
        Assert.Equal(0.3, sample.Cpu!.Value.Value, 9);
    }

    // The guest does not see the emulator's own work for it: the demand is never below what the VM received.
    [Fact]
    public void Compute_GuestCountsLessThanItReceived_DemandIsWhatItReceived()
    {
        var before = At(0, 0) with { GuestCpu = Guest((0, 0)) };
        var after = At(10, 500_000_000) with { GuestCpu = Guest((100, 9_900)) };
        Assert.Equal(0.05, RateCalculator.Compute(before, after, MaxGap).Sample!.Value.CpuDemand!.Value.Value, 9);
    }

    // A CPU onlined between the readings adds nothing; times that went back (the guest rebooted) leave the guest's view
    // out, and the demand is what the VM received plus its vCPUs' waits again.
    [Fact]
    public void Compute_GuestCpuOnlinedOrTimesWentBack_CountsTheCpusReadTwiceOrFallsBackToTheWaits()
    {
        var before = At(0, 0) with { VcpuDelays = [new VcpuDelay(0, 0)], GuestCpu = Guest((0, 0)) };
        var onlined = At(10, 5_000_000_000) with { VcpuDelays = [new VcpuDelay(0, 5_000_000_000)], GuestCpu = Guest((7_000, 3_000), (900, 0)) };
        Assert.Equal(0.7, RateCalculator.Compute(before, onlined, MaxGap).Sample!.Value.CpuDemand!.Value.Value, 9);
        var rebooted = onlined with { GuestCpu = Guest((10, 20)) };
        var later = At(20, 6_000_000_000) with { VcpuDelays = [new VcpuDelay(0, 5_500_000_000)], GuestCpu = Guest((5, 9_000)) };
        Assert.Equal(0.15, RateCalculator.Compute(rebooted, later, MaxGap).Sample!.Value.CpuDemand!.Value.Value, 9);
    }

    [Fact]
    public void AgentCpuStats_ReadsEachLinuxCpusBusyAndIdleTimes()
    {
        const string answer = """
            {"return":[{"cpu":0,"guestnice":0,"idle":12090,"steal":0,"iowait":10,"system":7950,"guest":0,"nice":0,"irq":0,"type":"linux","user":360,"softirq":180},
                       {"cpu":1,"idle":500,"system":20,"type":"linux","user":5}]}
            """;
        Assert.Equal([new GuestCpuTime(0, 8_490, 12_100), new GuestCpuTime(1, 25, 500)], AgentCpuStats.Parse(answer));
        Assert.Empty(AgentCpuStats.Parse("""{"error":{"class":"CommandNotFound","desc":"The command guest-get-cpustats has not been found"}}"""));
        Assert.Empty(AgentCpuStats.Parse("""{"return":[{"cpu":0,"type":"linux","user":5,"idle":-1}]}"""));
        Assert.Empty(AgentCpuStats.Parse("""{"return":[{"cpu":0,"type":"linux","user":5}]}"""));
        Assert.Empty(AgentCpuStats.Parse("not json"));
    }

    [Fact]
    public void StatsMapper_ReadsEachVcpusDelay()
    {
        var stats = new Dictionary<string, object>
        {
            ["state.state"] = 1, ["cpu.time"] = 10_867_100_000L, ["vcpu.current"] = 2, ["vcpu.maximum"] = 4,
            ["vcpu.0.state"] = 1, ["vcpu.0.time"] = 10_160_000_000L, ["vcpu.0.wait"] = 0L, ["vcpu.0.delay"] = 30_393_504_907L,
            ["vcpu.1.state"] = 1, ["vcpu.1.time"] = 20_000_000L, ["vcpu.1.wait"] = 0L, ["vcpu.1.delay"] = 7_000L,
        };
        var counters = StatsMapper.ToCounters(Vm, 1, DateTimeOffset.UnixEpoch, 0, stats);
        Assert.Equal([new VcpuDelay(0, 30_393_504_907), new VcpuDelay(1, 7_000)], counters.VcpuDelays);
        Assert.Empty(StatsMapper.ToCounters(Vm, 1, DateTimeOffset.UnixEpoch, 0, new Dictionary<string, object> { ["vcpu.maximum"] = 4 }).VcpuDelays);
    }
}
