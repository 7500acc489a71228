using Vmorph.Loop.Grains;
using Xunit;

namespace Vmorph.Loop.Tests;

public sealed class CadenceTests
{
    [Fact]
    public void AFleetActivatedTogether_TakesItsTurnsSpreadOverTheCycles_ByTheirPhases()
    {
        const int every = 12, vms = 1_200;
        var cadences = Enumerable.Range(0, vms).Select(i => new Cadence(every, (uint)i * 2_654_435_761u)).ToArray();
        var turnsByCycle = new int[3 * every];
        for (var cycle = 0; cycle < turnsByCycle.Length; cycle++)
        {
            for (var vm = 0; vm < vms; vm++)
            {
                if (cadences[vm].Due) turnsByCycle[cycle]++;
                cadences[vm].Advance();
            }
        }
        // Each VM takes one turn in every 12 samples, and the fleet's turns are spread: no cycle carries more than
        // twice its share, however the hash of the VMs fell.
        Assert.Equal(3 * vms, turnsByCycle.Sum());
        Assert.All(turnsByCycle, turns => Assert.InRange(turns, 1, 2 * vms / every));
    }

    [Fact]
    public void ATurn_ComesEveryNSamples_AtTheGivenPhase()
    {
        var cadence = new Cadence(4, 6); // phase 6 of 4: the first turn after 3 samples
        var due = new List<bool>();
        for (var i = 0; i < 9; i++)
        {
            due.Add(cadence.Due);
            cadence.Advance();
        }
        Assert.Equal([false, false, true, false, false, false, true, false, false], due);
    }
}
