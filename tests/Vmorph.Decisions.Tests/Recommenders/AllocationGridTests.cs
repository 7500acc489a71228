using CsCheck;
using Vmorph.Recommenders;

namespace Vmorph.Decisions.Tests.Recommenders;

public class AllocationGridTests
{
    [Fact]
    public void Round_IsTheSmallestGridValueThatHoldsTheAmount()
    {
        var grid = AllocationGrid.Default;
        Gen.Double[0, 100].Sample(x =>
        {
            var r = grid.RoundCores(x);
            Assert.True(r >= x, $"{r} < {x}");
            Assert.True(r == grid.MinCores || r - x < grid.CoreStep + 1e-9, $"{r} is more than a step above {x}");
            Assert.Equal(r, grid.RoundCores(r));
        });
        Gen.Double[0, 100_000].Sample(x =>
        {
            var r = grid.RoundMemory(x);
            Assert.True(r >= x && r >= grid.MinMemoryMiB);
            Assert.Equal(r, grid.RoundMemory(r));
        });
    }

    [Theory]
    [InlineData(1.4000000000000001, 1.5)]
    [InlineData(1.4, 1.4)]
    [InlineData(0.30000000000000004, 0.4)]
    [InlineData(0, 0.1)]
    public void Round_FloatingPointEdges(double cores, double expected) => Assert.Equal(expected, AllocationGrid.Default.RoundCores(cores));
}
