using Vmorph.Triggers;

namespace Vmorph.Decisions.Tests.Triggers;

public class EventCountsTests
{
    [Fact]
    public void Increment_CountsEachName_AndCopyToGivesEveryCount()
    {
        var counts = new EventCounts();
        foreach (var name in new[] { "gate.hysteresis", "intent.resource-demand", "gate.hysteresis", "gate.cooldown", "gate.hysteresis" })
            counts.Increment(name);

        var copied = new Dictionary<string, long>();
        counts.CopyTo(copied);

        Assert.Equal(new Dictionary<string, long>
        {
            ["gate.hysteresis"] = 3,
            ["intent.resource-demand"] = 1,
            ["gate.cooldown"] = 1,
        }, copied);
    }

    [Fact]
    public void Names_BuiltApartInTwoVms_AreHeldAsOneString()
    {
        // Names are built at run time ("gate." + a rule), so each VM would otherwise hold its own copy.
        var rule = new string("hysteresis".ToCharArray());
        var first = new EventCounts();
        var second = new EventCounts();
        first.Increment("gate." + rule);
        second.Increment("gate." + rule);

        var a = new Dictionary<string, long>();
        var b = new Dictionary<string, long>();
        first.CopyTo(a);
        second.CopyTo(b);
        Assert.Same(a.Keys.Single(), b.Keys.Single());
    }
}
