namespace Vmorph.Guest.Tests;

internal static class Sample
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    public static string Section(string text, string section)
    {
        var start = text.IndexOf("@@vmorph " + section + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"the sample has no section {section}");
        start = text.IndexOf('\n', start) + 1;
        var end = text.IndexOf("@@vmorph ", start, StringComparison.Ordinal);
        return text[start..end];
    }

    public static readonly DateTimeOffset At = new(2026, 11, 24, 15, 0, 0, TimeSpan.Zero);
}
