using System.Globalization;

namespace Vmorph.Guest;

/// <summary>The limits of one data-footprint scan, enforced inside the guest.</summary>
/// <param name="MaxFiles">Files counted at most.</param>
/// <param name="MaxContentBytes">Bytes read for content checks at most, over all files.</param>
/// <param name="MaxFileBytes">Bytes read of any one file at most.</param>
/// <param name="MaxSeconds">Seconds the scan may take.</param>
public sealed record FootprintBudget(int MaxFiles = 20_000, long MaxContentBytes = 64L << 20, long MaxFileBytes = 1L << 20, int MaxSeconds = 20)
{
    /// <summary>The script's arguments for this budget.</summary>
    internal IEnumerable<string> Arguments() =>
        [MaxFiles.ToString(CultureInfo.InvariantCulture), MaxContentBytes.ToString(CultureInfo.InvariantCulture),
         MaxFileBytes.ToString(CultureInfo.InvariantCulture), MaxSeconds.ToString(CultureInfo.InvariantCulture)];
}

/// <summary>What to read from inside a machine.</summary>
public sealed record GuestReadOptions
{
    /// <summary>The paths scanned when none are chosen: where data usually lives. Those missing are skipped quietly.</summary>
    public static IReadOnlyList<string> DefaultScanPaths { get; } = ["/home", "/root", "/srv", "/opt", "/var/lib", "/var/www", "/var/log", "/etc"];

    /// <summary>Whether to run the data-footprint scan this time.</summary>
    public bool Footprint { get; init; }

    /// <summary>The paths to scan; null for <see cref="DefaultScanPaths"/>. Paths chosen that do not exist are reported.</summary>
    public IReadOnlyList<string>? ScanPaths { get; init; }

    /// <summary>The scan's limits.</summary>
    public FootprintBudget Budget { get; init; } = new();

    /// <summary>How long the inventory may take, round trips included.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks the options, naming every problem.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var path in ScanPaths ?? [])
        {
            if (!path.StartsWith('/')) errors.Add($"scan path '{path}' is not an absolute path");
            else if (path.Any(char.IsControl)) errors.Add("a scan path contains a control character");
        }
        if (Budget.MaxFiles < 1) errors.Add($"the scan's file budget must be at least 1, not {Budget.MaxFiles}");
        if (Budget.MaxSeconds < 1) errors.Add($"the scan's time budget must be at least 1 s, not {Budget.MaxSeconds}");
        if (Budget.MaxContentBytes < 0 || Budget.MaxFileBytes < 0) errors.Add("the scan's byte budgets must not be negative");
        if (Timeout <= TimeSpan.Zero) errors.Add("the guest time-out must be positive");
        return errors;
    }
}
