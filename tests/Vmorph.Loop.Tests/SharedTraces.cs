namespace Vmorph.Loop.Tests;

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
}
