using Vmorph.Policies;

namespace Vmorph.Decisions.Tests.Policies;

public class ValueParsersTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("1w", 604800)]
    public void Duration_ParsesUnits(string text, double seconds)
    {
        Assert.True(ValueParsers.TryDuration(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds);
    }

    [Theory]
    [InlineData("5x")]
    [InlineData("5")]
    [InlineData("")]
    [InlineData("m5")]
    public void Duration_RejectsNonsense(string text) => Assert.False(ValueParsers.TryDuration(text, out _));

    [Theory]
    [InlineData("512MiB", 512)]
    [InlineData("2GiB", 2048)]
    [InlineData("1.5 GiB", 1536)]
    public void Size_ParsesUnits(string text, double mib)
    {
        Assert.True(ValueParsers.TrySizeMiB(text, out var value));
        Assert.Equal(mib, value, 6);
    }

    [Theory]
    [InlineData("15%", 0.15)]
    [InlineData("0.15", 0.15)]
    public void Share_ParsesPercentAndFraction(string text, double expected)
    {
        Assert.True(ValueParsers.TryShare(text, out var value));
        Assert.Equal(expected, value, 9);
    }

    [Fact]
    public void Share_OutsideZeroToOne_IsRejected() => Assert.False(ValueParsers.TryShare("150%", out _));
}
