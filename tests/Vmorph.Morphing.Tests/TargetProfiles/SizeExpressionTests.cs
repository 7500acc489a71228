using Vmorph.Observations;
using Vmorph.TargetProfiles;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests.TargetProfiles;

public class SizeExpressionTests
{
    private sealed class Stub(Dictionary<Metric, double> p95) : ISizeContext
    {
        public string Subject => "VM 'web-1'";

        public double? Statistic(Metric metric, SizeStatistic statistic, double quantile) =>
            p95.TryGetValue(metric, out var v) ? statistic == SizeStatistic.Peak ? v * 2 : v : null;
    }

    private static readonly Stub NoData = new([]);

    private static double Eval(string text, SizeKind kind, ISizeContext? context = null, double? current = null)
    {
        var result = SizeExpression.Parse(text, kind);
        Assert.True(result.IsSuccess, string.Join("; ", result.Errors));
        var value = result.Value.Evaluate(context ?? NoData, current);
        Assert.True(value.IsSuccess, string.Join("; ", value.Errors));
        return value.Value;
    }

    [Theory]
    [InlineData("2", SizeKind.Count, 2)]
    [InlineData("512MiB", SizeKind.Bytes, 512 * MemorySize.MiB)]
    [InlineData("4 GiB", SizeKind.Bytes, 4 * MemorySize.GiB)]
    [InlineData("1.5GiB", SizeKind.Bytes, 1.5 * MemorySize.GiB)]
    [InlineData("50MiB/s", SizeKind.Rate, 50 * MemorySize.MiB)]
    [InlineData("25%", SizeKind.Share, 0.25)]
    [InlineData("0.5", SizeKind.Share, 0.5)]
    [InlineData("(1 + 2) * 2", SizeKind.Count, 6)]
    [InlineData("2000", SizeKind.Count, 2000)]
    public void Absolute_ParsesToTheBaseUnit(string text, SizeKind kind, double expected)
    {
        Assert.Equal(expected, Eval(text, kind));
        Assert.True(SizeExpression.Parse(text, kind).Value.IsAbsolute);
    }

    [Fact]
    public void Relative_MemoryWithBounds_IsScaledRoundedUpToMiBAndHeldWithinTheBounds()
    {
        const string text = "p95(memory) * 1.2, min 512MiB, max 8GiB";
        Assert.Equal(1229 * MemorySize.MiB, Eval(text, SizeKind.Bytes, new Stub(new() { [Metric.Memory] = MemorySize.GiB })));
        Assert.Equal(512 * MemorySize.MiB, Eval(text, SizeKind.Bytes, new Stub(new() { [Metric.Memory] = 100 * MemorySize.MiB })));
        Assert.Equal(8 * MemorySize.GiB, Eval(text, SizeKind.Bytes, new Stub(new() { [Metric.Memory] = 10 * MemorySize.GiB })));
    }

    [Fact]
    public void Relative_CpuPlusOne_IsRoundedUpToWholeVcpus()
    {
        Assert.Equal(3, Eval("p95(cpu) * 1.3 + 1", SizeKind.Count, new Stub(new() { [Metric.Cpu] = 1.2 })));
        // 1.0 * 1 + 1 is exactly 2, not 3: floating-point noise does not round up.
        Assert.Equal(2, Eval("p95(cpu) * 1 + 1", SizeKind.Count, new Stub(new() { [Metric.Cpu] = 1.0000000000001 })));
    }

    [Fact]
    public void Relative_PeakAndMeanAndOtherPercentiles_AreUnderstood()
    {
        var stub = new Stub(new() { [Metric.DiskWrite] = 10 * MemorySize.MiB });
        Assert.Equal(40 * MemorySize.MiB, Eval("peak(disk.write) * 2", SizeKind.Rate, stub));
        Assert.Equal(10 * MemorySize.MiB, Eval("p99.9(disk.write)", SizeKind.Rate, stub));
        Assert.Equal(10 * MemorySize.MiB, Eval("mean(disk.write)", SizeKind.Rate, stub));
    }

    [Fact]
    public void Current_GrowsToTheMinimumButNeverBelowCurrent()
    {
        Assert.Equal(20 * MemorySize.GiB, Eval("current, min 20GiB", SizeKind.Bytes, current: 10 * MemorySize.GiB));
        Assert.Equal(30 * MemorySize.GiB, Eval("current, min 20GiB", SizeKind.Bytes, current: 30 * MemorySize.GiB));
    }

    [Fact]
    public void Relative_WithoutData_FailsWithAClearNoDataMessage()
    {
        var result = Fixtures.Size("p95(memory) * 1.2, min 512MiB", SizeKind.Bytes).Evaluate(NoData);
        Assert.Equal(
            "p95(memory) has no data: the profile of VM 'web-1' has no memory samples; collect metrics first or give an absolute size",
            Assert.Single(result.Errors));
    }

    [Fact]
    public void Current_WithoutAValue_FailsSayingSo()
    {
        var result = Fixtures.Size("current, min 1GiB", SizeKind.Bytes).Evaluate(NoData);
        Assert.Equal("'current' has no value: the configuration of VM 'web-1' does not record this setting", Assert.Single(result.Errors));
    }

    [Theory]
    [InlineData("12 XB", SizeKind.Bytes, "'12 XB' is not a size: unknown unit 'XB' at column 4; units: B, KiB, MiB, GiB, TiB, or per second for rates (MiB/s)")]
    [InlineData("4GB", SizeKind.Bytes, "'4GB' is not a size: unknown unit 'GB' at column 2 (did you mean GiB? sizes are binary and units are case-sensitive); units: B, KiB, MiB, GiB, TiB, or per second for rates (MiB/s)")]
    [InlineData("512", SizeKind.Bytes, "'512' is not a size: it has no unit; a size needs a unit: B, KiB, MiB, GiB or TiB")]
    [InlineData("2GiB", SizeKind.Count, "'2GiB' is not a count: it is in bytes; a count is a plain number without a unit")]
    [InlineData("p95(memory) + 1", SizeKind.Bytes, "'p95(memory) + 1' is not a size: cannot add a value that has no unit to one that is in bytes at column 13")]
    [InlineData("p95(memroy)", SizeKind.Bytes, "'p95(memroy)' is not a size: unknown metric 'memroy' at column 5; metrics: cpu, cpu.utilisation, memory, memory.utilisation, disk.read, disk.write, network.receive, network.transmit")]
    [InlineData("2GiB * 2GiB", SizeKind.Bytes, "'2GiB * 2GiB' is not a size: cannot multiply two values that both have a unit at column 6")]
    [InlineData("p95(cpu) + 1 min 2", SizeKind.Count, "'p95(cpu) + 1 min 2' is not a count: expected ',' before 'min' at column 14")]
    [InlineData("2 max 4", SizeKind.Count, "'2 max 4' is not a count: expected ',' before 'max' at column 3")]
    [InlineData("p95(memory), min 2GiB, max 1GiB", SizeKind.Bytes, "'p95(memory), min 2GiB, max 1GiB' is not a size: min 2 GiB is above max 1 GiB")]
    [InlineData("p95(memory) / 0", SizeKind.Bytes, "'p95(memory) / 0' is not a size: division by zero at column 13")]
    [InlineData("median(cpu)", SizeKind.Count, "'median(cpu)' is not a count: unknown name 'median' at column 1; expected a statistic of a metric (p50, p95, p99, mean, peak) or 'current'")]
    [InlineData("50%", SizeKind.Count, "'50%' is not a count: a percentage is only allowed for a share (cpu-quota) at column 3")]
    [InlineData("2 *", SizeKind.Count, "'2 *' is not a count: it ends where a value was expected at column 4")]
    [InlineData("1.5, min 0.5", SizeKind.Count, "'1.5, min 0.5' is not a count: the min bound must be a whole number at column 10")]
    [InlineData("", SizeKind.Count, "the value is empty; expected a count")]
    public void Invalid_IsRejectedSayingWhatAndWhere(string text, SizeKind kind, string expected) =>
        Assert.Equal(expected, Assert.Single(SizeExpression.Parse(text, kind).Errors));

    [Fact]
    public void ProfileContext_ReadsPercentilesOfTheDecayingHistogram()
    {
        var profile = Fixtures.Profile(cores: 1.5, memory: MemorySize.FromGiB(1));
        var context = new ProfileSizeContext(profile, "VM 'lab-1'");
        var p95 = context.Statistic(Metric.Memory, SizeStatistic.Percentile, 0.95)!.Value;
        // The histogram's buckets are about 10 % wide and a percentile reads a bucket's upper edge.
        Assert.InRange(p95, 1.0 * MemorySize.GiB, 1.15 * MemorySize.GiB);
        Assert.InRange(context.Statistic(Metric.Cpu, SizeStatistic.Percentile, 0.95)!.Value, 1.5, 1.7);
        Assert.Null(context.Statistic(Metric.NetworkReceive, SizeStatistic.Percentile, 0.95));
        Assert.Null(new ProfileSizeContext(null, "VM 'x'").Statistic(Metric.Cpu, SizeStatistic.Mean, 0));
    }
}
