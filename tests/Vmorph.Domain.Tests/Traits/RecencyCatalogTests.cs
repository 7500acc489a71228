using Vmorph.Profiles;
using Vmorph.Traits;

namespace Vmorph.Domain.Tests.Traits;

public class RecencyCatalogTests
{
    private static Vmorph.Result<ArchetypeCatalog> Build(string yaml) =>
        ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()), ("mine.yaml", yaml)]);

    [Fact]
    public void HalfLife_FromTheLaterFile_OverridesTheBuiltIn()
    {
        Assert.Equal(Recency.DefaultHalfLife, ArchetypeCatalog.BuiltIn.EvidenceHalfLife);
        Assert.Equal(TimeSpan.FromMinutes(30), Build("recency:\n  half-life: 30m\n").Value.EvidenceHalfLife);
        Assert.Equal(0.2, Build("classification:\n  minimum-margin: 0.2\n").Value.Classification.MinimumMargin);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0s")]
    [InlineData("400d")]
    public void HalfLife_NotADuration_IsReportedWithFileAndField(string text)
    {
        var built = Build($"recency:\n  half-life: {text}\n");
        Assert.False(built.IsSuccess);
        Assert.Contains($"mine.yaml: recency: half-life '{text}' is not a duration from 1s to 365d such as 30m, 6h or 1d", built.Errors);
    }

    [Fact]
    public void MinimumMargin_OutsideZeroToOne_IsReported()
    {
        var built = Build("classification:\n  minimum-margin: 1.5\n");
        Assert.Contains("mine.yaml: classification: minimum-margin 1.5 is not between 0 and 1", built.Errors);
    }
}
