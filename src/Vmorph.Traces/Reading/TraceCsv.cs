using System.Globalization;
using nietras.SeparatedValues;

namespace Vmorph.Traces.Reading;

/// <summary>How every CSV-like trace is opened with Sep.</summary>
internal static class TraceCsv
{
    /// <summary>
    /// A Sep reader over the decompressed content. Column counts are checked by the formats themselves (Sep's own check
    /// throws a message without the file), quotes are removed (Azure and PlanetLab quote their names), numbers are invariant.
    /// </summary>
    public static SepReader Open(TraceReadContext context, char separator, bool hasHeader) =>
        Sep.New(separator)
            .Reader(o => o with
            {
                HasHeader = hasHeader,
                DisableColCountCheck = true,
                Unescape = true,
                CultureInfo = CultureInfo.InvariantCulture,
            })
            .From(context.Source.Open());
}
