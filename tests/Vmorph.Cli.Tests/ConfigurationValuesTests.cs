using Vmorph.Views;
using Vmorph.Configuration;

namespace Vmorph.Cli.Tests;

public sealed class ConfigurationValuesTests
{
    [Theory]
    [InlineData("memory.current", "8554003387.733334", "7.97 GiB")]
    [InlineData("memory.maximum", "8589934592", "8 GiB")]
    [InlineData("disk.vda.capacity", "1073741824", "1 GiB")]
    [InlineData("disk.vda.write_bytes_sec", "12897484.8", "12.3 MiB/s")]
    [InlineData("vcpus.current", "4", "4")]
    [InlineData("guest.package.nginx", "1.22.1", "1.22.1")]
    [InlineData("memory.current", null, "(none)")]
    public void Describe_Value_UsesBinaryUnitsForSizesAndRates(string path, string? value, string expected) =>
        Assert.Equal(expected, ConfigurationValues.Describe(path, value));

    [Fact]
    public void Describe_ChangeThatWouldReadTheSame_ShowsMoreDecimals() =>
        Assert.Equal("~ memory.current: 7.838 GiB -> 7.841 GiB",
            ConfigurationValues.Describe(new ConfigurationChange("memory.current", "8415870976", "8418806988.8")));

    [Fact]
    public void Json_NumericPaths_AreNumbersAndTextStaysText()
    {
        Assert.Equal(8589934592L, ConfigurationValues.Json("memory.current", "8589934592"));
        Assert.Equal(8554003387.733334, ConfigurationValues.Json("memory.current", "8554003387.733334"));
        Assert.Equal("2", ConfigurationValues.Json("guest.sysctl.vm.swappiness-like", "2"));
        Assert.Null(ConfigurationValues.Json("vcpus.current", null));
    }
}
