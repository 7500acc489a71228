using Microsoft.Playwright;

namespace Vmorph.Dashboard.Tests;

/// <summary>Screenshots the tests keep, in artifacts/screenshots/ at the repository root (scripts/test keeps artifacts/).</summary>
public static class Artifacts
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Screenshots { get; } = Path.Combine(RepositoryRoot, "artifacts", "screenshots");

    /// <summary>Saves a screenshot of the window (or of the whole page) as artifacts/screenshots/NAME.png and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        Directory.CreateDirectory(Screenshots);
        var path = Path.Combine(Screenshots, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        return path;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "vmorph.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("the repository root (vmorph.slnx) is not above " + AppContext.BaseDirectory);
    }
}
