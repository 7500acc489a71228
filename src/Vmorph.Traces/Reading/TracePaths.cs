namespace Vmorph.Traces.Reading;

/// <summary>What a trace's file name says where a format documents that it says something.</summary>
internal static class TracePaths
{
    /// <summary>The file name without its compression and data extensions: <c>2013-7/17.csv.gz</c> gives <c>17</c>.</summary>
    public static string Stem(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) name = name[..^3];
        if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) name = name[..^4];
        return name;
    }
}
