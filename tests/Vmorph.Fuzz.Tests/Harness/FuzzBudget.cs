using System.Globalization;

namespace Vmorph.Fuzz.Tests.Harness;

/// <summary>
/// How many cases to run. A normal test run (what <c>.ci/run</c> runs) tries <see cref="DefaultCases"/> in all, spread
/// over the targets; <c>VMORPH_FUZZ_CASES=100000 dotnet test tests/Vmorph.Fuzz.Tests</c> tries that many instead.
/// </summary>
public static class FuzzBudget
{
    /// <summary>Cases in all in a normal run: a minute or so on two cores.</summary>
    public const int DefaultCases = 2_400;

    /// <summary>The targets the cases are spread over (every test of this project is one).</summary>
    public const int Targets = 12;

    /// <summary>Cases in all: <c>VMORPH_FUZZ_CASES</c>, else <see cref="DefaultCases"/>.</summary>
    public static int TotalCases { get; } = Environment.GetEnvironmentVariable("VMORPH_FUZZ_CASES") is { Length: > 0 } text
        ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new InvalidOperationException($"VMORPH_FUZZ_CASES='{text}' is not a positive whole number of cases")
        : DefaultCases;

    /// <summary>Cases per target.</summary>
    public static int CasesPerTarget => Math.Max(1, TotalCases / Targets);

    /// <summary>How long one case may run before it counts as a hang: far above any case's time on a loaded machine.</summary>
    public static TimeSpan CaseTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the counts and failing inputs go: <c>artifacts/fuzz</c> in the repository.</summary>
    public static string ArtifactsDirectory { get; } = CreateArtifacts();

    private static string CreateArtifacts()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "vmorph.slnx"))) directory = directory.Parent;
        var root = directory?.FullName ?? Path.GetTempPath();
        var artifacts = Path.Combine(root, "artifacts", "fuzz");
        Directory.CreateDirectory(artifacts);
        return artifacts;
    }
}
