namespace Vmorph.Testing;

/// <summary>Finds the shared trace files: the folder holding vmorph.slnx, then ../shared/traces.</summary>
internal static class SharedTraces
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(System.IO.Path.Combine(dir.FullName, "vmorph.slnx"))) continue;
                var traces = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "traces"));
                if (Directory.Exists(traces)) return traces;
                throw new InvalidOperationException(
                    $"the shared traces are missing: expected {traces} (beside the repository, see shared/traces/README.md for how to get them)");
            }
            throw new InvalidOperationException($"cannot find vmorph.slnx above {AppContext.BaseDirectory}: run the tests from the repository");
        }
    }

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Bitbrains July, VM 1 (2 vCPUs, light use) and VM 41 (8 vCPUs, whose use goes above its vCPUs, up to 107 %).</summary>
    public static IReadOnlyList<string> TwoBitbrainsVms => [Path("bitbrains-rnd", "2013-7", "1.csv.gz"), Path("bitbrains-rnd", "2013-7", "41.csv.gz")];
}
