using Vmorph.Recommenders;
using Vmorph.Recommenders.References;

namespace Vmorph.Decisions.Tests.Recommenders;

public class PeakRuleTests
{
    private static readonly long Start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    [Fact]
    public void PeakRule_IsThePeakOfTheTrailingWindowTimesTheHeadroom_MemoryUnchanged()
    {
        var rule = new PeakRuleFactory("1h", TimeSpan.FromHours(1), 1.2).Create(VmContext.Of("vm", new Allocation(8, 4096)));
        // A 5-core spike, then 12 steps (an hour) of 1 core: the spike is in the window until the 12th.
        rule.Observe(new UsageSample(Start, 5.0, 1000, new Allocation(8, 4096)));
        for (var i = 1; i <= 12; i++)
        {
            Assert.Equal(5.0 * 1.2, rule.Recommend(Start + i * 300L, new Allocation(8, 4096)).Cores, 9);
            rule.Observe(new UsageSample(Start + i * 300L, 1.0, 1000, new Allocation(8, 4096)));
        }
        var after = rule.Recommend(Start + 13 * 300L, new Allocation(8, 4096));
        Assert.Equal(1.0 * 1.2, after.Cores, 9);
        Assert.Equal(4096, after.MemoryMiB);
    }

    [Fact]
    public void ReferenceRules_AreTheFrontiersNine_AndFoundByName()
    {
        Assert.Equal(
            ["peak-1h-x1.0", "peak-1h-x1.2", "peak-1h-x1.5", "peak-6h-x1.0", "peak-6h-x1.2", "peak-6h-x1.5", "peak-24h-x1.0", "peak-24h-x1.2", "peak-24h-x1.5"],
            RecommenderCatalog.ReferenceRules.Select(r => r.Name));
        Assert.Same(RecommenderCatalog.ReferenceRules[4], RecommenderCatalog.Find("peak-6h-x1.2"));
    }
}
