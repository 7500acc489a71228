using CsCheck;
using Vmorph.Identity;

namespace Vmorph.Domain.Tests.Identity;

public class NaturalStringComparerTests
{
    [Fact]
    public void Order_NumbersByValue_AndNamesWithNumbersAsPeopleCount()
    {
        string[] names = ["lab-10", "10", "2", "lab-2", "11", "1", "lab-1", "b", "A", "01", "vm9x", "vm10x"];
        Assert.Equal(["1", "01", "2", "10", "11", "A", "b", "lab-1", "lab-2", "lab-10", "vm9x", "vm10x"], names.Order(NaturalStringComparer.Instance));
    }

    [Fact]
    public void Order_HugeNumbers_CompareByValueWithoutOverflow() =>
        Assert.Equal(["99999999999999999999", "100000000000000000000"], new[] { "100000000000000000000", "99999999999999999999" }.Order(NaturalStringComparer.Instance));

    [Fact]
    public void Compare_IsAntisymmetricAndZeroOnlyForEqualStrings() =>
        Gen.Select(Gen.String["ab-01"], Gen.String["ab-01"]).Sample((x, y) =>
        {
            var forward = NaturalStringComparer.Instance.Compare(x, y);
            var backward = NaturalStringComparer.Instance.Compare(y, x);
            return forward == -backward && (forward == 0) == (x == y);
        });

    [Fact]
    public void Compare_IsTransitive() =>
        Gen.Select(Gen.String["a1-0"], Gen.String["a1-0"], Gen.String["a1-0"]).Sample((x, y, z) =>
        {
            var c = NaturalStringComparer.Instance;
            return !(c.Compare(x, y) <= 0 && c.Compare(y, z) <= 0) || c.Compare(x, z) <= 0;
        });
}
