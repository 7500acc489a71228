using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Vmorph.Server.Api;

/// <summary>
/// Where a page starts and how long it is, from <c>?offset=0&amp;limit=50</c>: offset a whole number from 0, limit from
/// 1 to <see cref="MaxLimit"/> (<see cref="DefaultLimit"/> when left out). Anything else is a 400 naming the parameter.
/// </summary>
internal readonly record struct Paging(int Offset, int Limit)
{
    /// <summary>The page length when none is asked.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The longest page.</summary>
    public const int MaxLimit = 500;

    /// <summary>Reads the parameters, or says which is wrong.</summary>
    public static (Paging Paging, IResult? Problem) Parse(string? offset, string? limit)
    {
        var o = 0;
        var l = DefaultLimit;
        if (offset is not null && (!int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out o) || o < 0))
            return (default, ApiProblems.BadRequest($"query parameter 'offset': '{ApiJson.Printable(offset)}' is not a whole number from 0"));
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out l) || l < 1 || l > MaxLimit))
            return (default, ApiProblems.BadRequest($"query parameter 'limit': '{ApiJson.Printable(limit)}' is not a whole number from 1 to {MaxLimit}"));
        return (new Paging(o, l), null);
    }

    /// <summary>This page of <paramref name="items"/>.</summary>
    public Page<T> Of<T>(IReadOnlyList<T> items) => new(items.Count, Offset, Limit, [.. items.Skip(Offset).Take(Limit)]);
}
