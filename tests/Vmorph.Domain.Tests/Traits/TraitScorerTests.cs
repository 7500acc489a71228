using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Traits;

namespace Vmorph.Domain.Tests.Traits;

public class TraitScorerTests
{
    private static PersonalityProfile Profile(IEnumerable<MetricSample> samples, params InventorySnapshot[] inventory)
    {
        var profile = new PersonalityProfile(new VmId("test:t"), "t", "test");
        foreach (var s in samples) profile.Fold(s);
        foreach (var i in inventory) profile.Fold(new InventoryObservation(profile.Id, i));
        return profile;
    }

    [Fact]
    public void Score_SaturatedCpu_RanksCpuBoundFirstAmongShapes()
    {
        var traits = TraitScorer.Score(Profile(Samples.Series(14, Samples.Saturated)), ArchetypeCatalog.BuiltIn);
        Assert.Equal("cpu-bound", traits.Top(1, TraitKind.Shape).Single().Trait);
        Assert.True(traits["cpu-bound"]!.Score > 0.8);
    }

    [Fact]
    public void Score_OfficeHoursCpu_RanksInteractiveAboveSteadyProfile()
    {
        var office = TraitScorer.Score(Profile(Samples.Series(21, Samples.OfficeHours)), ArchetypeCatalog.BuiltIn);
        var steady = TraitScorer.Score(Profile(Samples.Series(21, Samples.Noise(0.3, 0.35))), ArchetypeCatalog.BuiltIn);
        Assert.True(office["interactive"]!.Score > 0.6, office["interactive"]!.Explain());
        Assert.True(steady["interactive"]!.Score < 0.2, steady["interactive"]!.Explain());
    }

    [Fact]
    public void Score_Explanation_AddsUpToTheScore()
    {
        var traits = TraitScorer.Score(Profile(Samples.Series(14, Samples.OfficeHours)), ArchetypeCatalog.BuiltIn);
        foreach (var trait in traits.Traits)
        {
            var archetype = ArchetypeCatalog.BuiltIn.Archetypes.Single(a => a.Name == trait.Trait);
            Assert.Equal(trait.Score, trait.Contributions.Sum(c => c.Amount) / archetype.TotalWeight, 9);
            Assert.Equal(archetype.Weights.Length, trait.Contributions.Length + trait.Missing.Length);
        }
    }

    [Fact]
    public void Score_TraceWithoutGuestView_MarksInGuestFeaturesMissing()
    {
        var db = TraitScorer.Score(Profile(Samples.Series(7, Samples.Noise(0.1, 0.2))), ArchetypeCatalog.BuiltIn)["database-server"]!;
        Assert.Contains("app.database", db.Missing);
        Assert.Contains("port.database", db.Missing);
        Assert.True(db.Coverage < 1);
    }

    [Fact]
    public void Score_WebServerListeningOnPort80_RisesOnWebServerOnly()
    {
        var samples = Samples.Series(3, Samples.Noise(0.1, 0.2));
        InventorySnapshot Snapshot(int minute, bool web) => new()
        {
            At = Samples.Monday.AddMinutes(minute),
            Processes = web ? [new ProcessInfo(1, "httpd", 1, 1_000_000, null, false)] : [new ProcessInfo(1, "sh", 1, 1_000, null, false)],
            Sockets = web ? [new SocketInfo("tcp", true, 80, null, null, "httpd")] : [],
        };
        var withWeb = TraitScorer.Score(Profile(samples, Snapshot(0, true), Snapshot(5, true)), ArchetypeCatalog.BuiltIn);
        var without = TraitScorer.Score(Profile(samples, Snapshot(0, false), Snapshot(5, false)), ArchetypeCatalog.BuiltIn);
        Assert.True(withWeb["web-server"]!.Score > without["web-server"]!.Score + 0.4);
        Assert.Equal(without["database-server"]!.Score, withWeb["database-server"]!.Score, 9);
    }
}
