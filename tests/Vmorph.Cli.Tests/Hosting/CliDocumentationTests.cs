using System.Text.RegularExpressions;
using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Tests.Hosting;

/// <summary>docs/CLI.md says what <c>--help</c> says: every command has a section, every option is described in it.</summary>
public sealed partial class CliDocumentationTests
{
    private static readonly string Document = File.ReadAllText(Path.Combine(CliHarness.Root, "docs", "CLI.md"));

    /// <summary>The text of a command's section: from <c>## name</c> to the next <c>## </c>.</summary>
    private static string Section(string command)
    {
        var match = Regex.Match(Document, $@"(?ms)^## {Regex.Escape(command)}\n(.*?)(?=^## |\z)");
        Assert.True(match.Success, $"docs/CLI.md has no section '## {command}'");
        return match.Groups[1].Value;
    }

    [Fact]
    public void EveryCommand_HasASectionDescribingEachOfItsOptions()
    {
        var global = GlobalArguments.Options.Keys.ToHashSet(StringComparer.Ordinal);
        var globalTable = Section("Options every command takes");
        foreach (var option in global) Assert.Contains($"`{option}", globalTable, StringComparison.Ordinal);
        foreach (var command in VmorphApp.Commands)
        {
            var section = Section(command.Name);
            foreach (var (option, _) in command.Options().Where(o => !global.Contains(o.Name) && o.Name.StartsWith("--", StringComparison.Ordinal)))
                Assert.True(OptionRow(option).IsMatch(section), $"docs/CLI.md, section '{command.Name}': no row for {option}");
            Assert.Contains($"vmorph {command.Name}", section, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryOptionRow_BelongsToTheCommand()
    {
        // The other way round: no section describes an option its command does not take (a renamed or removed one).
        foreach (var command in VmorphApp.Commands)
        {
            var options = command.Options().Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            foreach (Match row in DocumentedOption().Matches(Section(command.Name)))
                Assert.True(options.Contains(row.Groups[1].Value), $"docs/CLI.md, section '{command.Name}': {row.Groups[1].Value} is not an option of '{command.Name}'");
        }
    }

    [Fact]
    public void ExitCodeTable_HasEveryExitCode()
    {
        var table = Section("Exit codes");
        foreach (var field in typeof(ExitCodes).GetFields())
            Assert.Matches($@"(?m)^\| {field.GetValue(null)} \|", table);
    }

    private static Regex OptionRow(string option) => new($@"(?m)^\| `(-\w, )?{Regex.Escape(option)}[ `]");

    [GeneratedRegex(@"(?m)^\| `(?:-\w, )?(--[\w-]+)")]
    private static partial Regex DocumentedOption();
}
