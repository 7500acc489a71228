using Vmorph.Traces.Reading;

namespace Vmorph.Traces.Tests;

public sealed class ExpandTests
{
    private readonly TraceReader reader = new();

    [Fact]
    public void Expand_Directory_TraceFilesRecursivelyInNaturalOrder()
    {
        using var temp = new TempTraces();
        foreach (var name in new[] { "2013-8/1.csv.gz", "2013-7/10.csv.gz", "2013-7/2.csv.gz", "2013-7/1.csv.gz", "plain.csv", "README.md", "2013-7/notes.txt" })
            temp.Text(name, "x");

        var files = reader.Expand([temp.Root]);

        Assert.Equal(
            ["2013-7/1.csv.gz", "2013-7/2.csv.gz", "2013-7/10.csv.gz", "2013-8/1.csv.gz", "plain.csv"],
            files.Select(f => Path.GetRelativePath(temp.Root, f).Replace('\\', '/')));
    }

    [Fact]
    public void Expand_RealBitbrains_160FilesStartingWith1And2()
    {
        var files = reader.Expand([SharedTraces.Path("bitbrains-rnd")]);

        Assert.Equal(160, files.Count);
        Assert.Equal(["1.csv.gz", "2.csv.gz", "3.csv.gz"], files.Take(3).Select(Path.GetFileName));
        Assert.EndsWith(Path.Combine("2013-7", "80.csv.gz"), files[79], StringComparison.Ordinal);
        Assert.EndsWith(Path.Combine("2013-8", "1.csv.gz"), files[80], StringComparison.Ordinal);
        Assert.DoesNotContain(files, f => f.EndsWith("README.md", StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_FilesAsGiven_KeepTheirOrderAndAppearOnce()
    {
        using var temp = new TempTraces();
        var b = temp.Text("b.csv.gz", "x");
        var a = temp.Text("a.csv.gz", "x");

        var files = reader.Expand([b, a, b]);

        Assert.Equal([b, a], files);
    }

    [Fact]
    public void Expand_MissingPath_FileNotFoundNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "vmorph-no-such-dir-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<FileNotFoundException>(() => reader.Expand([path]));

        Assert.Equal($"no such file or directory: {path}", error.Message);
    }

    [Theory]
    [InlineData("2013-7/2.csv.gz", "2013-7/10.csv.gz")]
    [InlineData("2013-7/80.csv.gz", "2013-8/1.csv.gz")]
    [InlineData("a9", "a10")]
    [InlineData("a", "a1")]
    [InlineData("vm_07", "vm_7")] // equal by value: ordinal decides, so distinct paths never tie
    [InlineData("x99999999999999999999998", "x99999999999999999999999")]
    public void NaturalPathComparer_Pair_OrdersTheFirstBeforeTheSecond(string first, string second)
    {
        Assert.True(NaturalPathComparer.Instance.Compare(first, second) < 0);
        Assert.True(NaturalPathComparer.Instance.Compare(second, first) > 0);
        Assert.Equal(0, NaturalPathComparer.Instance.Compare(first, first));
    }
}
