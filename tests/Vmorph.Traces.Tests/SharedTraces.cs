namespace Vmorph.Traces.Tests;

/// <summary>The real traces in shared/traces, beside the repository, read in place.</summary>
internal static class SharedTraces
{
    private static readonly Lazy<string> RootDirectory = new(Locate);

    public static string Root => RootDirectory.Value;

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Locate()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !System.IO.File.Exists(Path.Combine(directory.FullName, "vmorph.slnx")))
            directory = directory.Parent;
        if (directory is null)
            throw new InvalidOperationException($"no vmorph.slnx above {AppContext.BaseDirectory}: cannot find the repository root, beside which shared/traces is expected");
        var traces = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "traces"));
        if (!Directory.Exists(traces))
            throw new InvalidOperationException($"the public traces are expected in {traces} (shared/traces beside the repository root {directory.FullName}); put them there to run these tests");
        return traces;
    }
}
