using System.Runtime.CompilerServices;
using System.Text;

namespace Vmorph.Testing;

/// <summary>
/// A small approve/compare helper for golden files in the test project's <c>Golden/</c> folder. When the golden file
/// is missing or differs, the actual text is written beside it as <c>NAME.received.EXT</c> and the test fails with a
/// line diff; a person approves by renaming the received file over the golden one. Nothing is ever approved
/// automatically.
/// </summary>
internal static class Golden
{
    public static void Verify(string name, string actual, string extension = "txt", [CallerFilePath] string caller = "")
    {
        var directory = Path.Combine(ProjectDirectory(caller), "Golden");
        var path = Path.Combine(directory, $"{name}.{extension}");
        var received = Path.Combine(directory, $"{name}.received.{extension}");
        var expected = File.Exists(path) ? File.ReadAllText(path) : null;
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"golden file {path} is missing; the output was written to {received}: review it and rename it to {name}.{extension} to approve"
            : $"output differs from golden file {path}; the output was written to {received}; if the change is intended, rename it over the golden file\n{Diff(expected, actual)}");
    }

    private static string ProjectDirectory(string caller)
    {
        var directory = Path.GetDirectoryName(caller);
        while (directory is not null && !Directory.EnumerateFiles(directory, "*.csproj").Any()) directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException($"no project directory above {caller}");
    }

    /// <summary>A line diff from the longest common subsequence: '-' expected only, '+' actual only.</summary>
    private static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var diff = new StringBuilder();
        int x = 0, y = 0, shown = 0;
        while ((x < a.Length || y < b.Length) && shown < 60)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { x++; y++; }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) { diff.Append("+ ").Append(b[y++]).Append('\n'); shown++; }
            else { diff.Append("- ").Append(a[x++]).Append('\n'); shown++; }
        }
        return diff.ToString();
    }
}
