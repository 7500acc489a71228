using Vmorph.Guest.Parsing;

namespace Vmorph.Guest.Tests.Parsing;

public class FootprintParserTests
{
    private const string Output = """
        @@vmorph footprint 1
        missing 2
        files 8
        bytes 35880
        category config 1 20
        category source-code 2 13
        recency 1d 7
        recency older 1
        sensitive private-key 1
        sensitive card-number 1
        content-bytes 216
        unscanned 0
        errors 1
        unreadable 0
        unparsed 0
        elapsed 0
        @@vmorph end

        """;

    [Fact]
    public void Parse_ScriptOutput_GivesCountsAndNamesTheMissingPath()
    {
        var scan = FootprintParser.Parse(Output.Replace("\r", "", StringComparison.Ordinal), ["/srv", "/nope"], new FootprintBudget(), "lab-1").Value;
        Assert.Equal(new Vmorph.Observations.CategoryCount(2, 13), scan.Categories["source-code"]);
        Assert.Equal(1, scan.Sensitive["private-key"]);
        Assert.Equal(7, scan.AccessRecency["1d"]);
        Assert.Contains("lab-1: scan path /nope does not exist", scan.Problems);
        Assert.Contains(scan.Problems, p => p.Contains("1 file(s) or directories could not be read", StringComparison.Ordinal));
        Assert.False(scan.Truncated);
    }

    [Fact]
    public void Parse_ALineTheScriptNeverPrints_IsRefusedAsGarbage()
    {
        var text = Output.Replace("\r", "", StringComparison.Ordinal).Replace("files 8", "/root/.ssh/id_rsa matched", StringComparison.Ordinal);
        var result = FootprintParser.Parse(text, ["/srv"], new FootprintBudget(), "lab-1");
        Assert.False(result.IsSuccess);
        Assert.Contains("never prints", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StoppedAtBudget_IsTruncatedAndSaysWhichBudget()
    {
        var text = Output.Replace("\r", "", StringComparison.Ordinal).Replace("elapsed 0", "truncated files\nelapsed 0", StringComparison.Ordinal);
        var scan = FootprintParser.Parse(text, ["/srv"], new FootprintBudget(MaxFiles: 8), "lab-1").Value;
        Assert.True(scan.Truncated);
        Assert.Contains(scan.Problems, p => p.Contains("budget of 8 files", StringComparison.Ordinal));
    }
}
