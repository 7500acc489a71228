using System.Diagnostics;
using System.Text.Json;
using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Tests.Hosting;

/// <summary>
/// The command line held to kubectl, terraform and virsh conventions: every --help renders, unknown options and
/// arguments are usage errors with their own exit code, global options go before or after the command.
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>The command names listed by <c>vmorph --help</c>.</summary>
    private async Task<List<string>> ListedCommandsAsync()
    {
        var help = await cli.RunAsync("--help");
        Assert.Equal(0, help.Exit);
        var lines = help.Console.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimEnd() == "COMMANDS:");
        Assert.True(start >= 0, help.Console);
        // A command's line is indented by four spaces; its description's continuation lines by more.
        return [.. lines.Skip(start + 1).TakeWhile(l => l.Trim().Length > 0)
            .Where(l => l.StartsWith("    ", StringComparison.Ordinal) && l[4] != ' ').Select(l => l.Trim().Split(' ')[0])];
    }

    [Fact]
    public async Task Help_OfEveryCommand_Renders()
    {
        var listed = await ListedCommandsAsync();
        Assert.Equal(VmorphApp.Commands.Select(c => c.Name).Order(), listed.Order());
        foreach (var command in listed)
        {
            var help = await cli.RunAsync(command, "--help");
            Assert.True(help.Exit == 0, $"{command} --help exited {help.Exit}: {help.Error}");
            Assert.Contains("USAGE:", help.Console, StringComparison.Ordinal);
            Assert.Contains($"vmorph {command}", help.Console, StringComparison.Ordinal);
            Assert.Equal("", help.Error);
        }
    }

    [Theory]
    [InlineData("bogus", "fleet", "--bogus")]
    [InlineData("baseline", "simulate", "--trace", "x.csv", "--baseline", "vpa")]
    [InlineData("plots", "simulate", "--trace", "x.csv", "--plots", "dir")]
    [InlineData("dat-dir", "import", "--dat-dir", "/tmp/x", "y.csv")]
    [InlineData("extra-argument", "fleet", "extra-argument")]
    public async Task UnknownOptionOrArgument_IsAUsageErrorNamingIt(string culprit, params string[] args)
    {
        var result = await cli.RunAsync(args);
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains($"'{culprit}'", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
        // Nothing was created: a misspelt --data-dir must not leave an empty store behind.
        Assert.False(File.Exists(Path.Combine(cli.DataDirectory, "vmorph.db")));
    }

    [Fact]
    public async Task MisspeltCommand_IsAUsageErrorWithASuggestion()
    {
        var result = await cli.RunAsync("flet");
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("Did you mean 'fleet'?", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void UsageExitCode_IsDistinctFromEveryResultCode()
    {
        int[] results = [ExitCodes.Success, ExitCodes.Error, ExitCodes.Changes, ExitCodes.NotFound, ExitCodes.RolledBack, ExitCodes.Busy];
        Assert.DoesNotContain(ExitCodes.Usage, results);
    }

    [Fact]
    public async Task Plan_WithoutTarget_IsAUsageErrorNotChanges()
    {
        // terraform's detailed exit code 2 means "changes": a typo must never read as that.
        var result = await cli.RunAsync("plan", "lab-1");
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("--to TARGET is required", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GlobalOptions_BeforeTheCommand_AreTakenAsAfterIt()
    {
        var other = Directory.CreateTempSubdirectory("vmorph-cli-other-").FullName;
        try
        {
            var result = await cli.RunAsync("--data-dir", other, "-o", "json", "fleet");
            Assert.True(result.Exit == 0, result.Error);
            using var json = JsonDocument.Parse(result.Out);
            Assert.Equal(Path.Combine(other, "vmorph.db"), json.RootElement.GetProperty("store").GetString());
            var equals = await cli.RunAsync($"--data-dir={other}", "fleet", "--output", "json");
            Assert.True(equals.Exit == 0, equals.Error);
            Assert.Contains(other, equals.Out, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public void GlobalArguments_MovesOnlyGlobalOptions()
    {
        Assert.Equal(["import", "--data-dir", "D", "x.csv"], GlobalArguments.MoveAfterCommand(["--data-dir", "D", "import", "x.csv"]));
        Assert.Equal(["fleet", "-o", "json", "--data-dir=D"], GlobalArguments.MoveAfterCommand(["-o", "json", "--data-dir=D", "fleet"]));
        // Not a global option: left where it is, for Spectre to refuse.
        Assert.Equal(["--yes", "apply", "p.json"], GlobalArguments.MoveAfterCommand(["--yes", "apply", "p.json"]));
        Assert.Equal(["--help"], GlobalArguments.MoveAfterCommand(["--help"]));
    }

    [Fact]
    public async Task Examples_InEveryHelp_ParseAndWorkWhenCopied()
    {
        foreach (var command in VmorphApp.Commands)
        {
            Assert.NotEmpty(command.Examples);
            foreach (var example in command.Examples)
            {
                Assert.Equal(command.Name, example[0]);
                // --help prints an example's words with spaces between them and no quotes: a word with a space in it
                // would come apart when copied into a shell.
                Assert.All(example, word => Assert.DoesNotContain(word, char.IsWhiteSpace));
            }
        }
        // ValidateExamples makes every run parse every example first: a broken one would fail this run.
        var result = await cli.RunAsync("version");
        Assert.True(result.Exit == 0, result.Error);
    }

    [Fact]
    public async Task Version_NamesTheVersionAndCommit()
    {
        var text = await cli.RunAsync("version");
        Assert.StartsWith("vmorph 0.", text.Out, StringComparison.Ordinal);
        var json = await cli.RunAsync("version", "-o", "json");
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal(BuildInfo.Current.Version, document.RootElement.GetProperty("version").GetString());
        // Built from a git checkout: the commit is the one HEAD had when the CLI was built (12 hex digits).
        Assert.Matches("^[0-9a-f]{12}$", document.RootElement.GetProperty("commit").GetString() ?? "");
    }

    [Fact]
    public async Task Targets_ListsEveryBuiltInTarget()
    {
        var result = await cli.RunAsync("targets", "-o", "json");
        Assert.True(result.Exit == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var names = json.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(["data-analytics-node", "database-server", "development", "security-scanner", "web-server"], names);
        var web = json.RootElement.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "web-server");
        Assert.Equal("p95(cpu) * 1.3 + 1, min 1, max 4", web.GetProperty("resources").GetProperty("vcpus").GetString());
    }

    [Fact]
    public async Task Targets_IncludesTheUsersOwnFromTheDataDirectory()
    {
        var directory = Directory.CreateDirectory(Path.Combine(cli.DataDirectory, "targets")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "small.yaml"), SmallTarget);
        var result = await cli.RunAsync("targets", "-o", "json");
        Assert.True(result.Exit == 0, result.Error);
        Assert.Contains("\"small\"", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_Bash_CompletesCommandsAndTheirOptions()
    {
        var result = await cli.RunAsync("completion", "bash");
        Assert.True(result.Exit == 0, result.Error);
        var script = cli.Scratch("vmorph.bash");
        await File.WriteAllTextAsync(script, result.Out);
        // Load it in a real bash and ask it to complete, as a terminal would.
        Assert.Equal("fleet", Complete(script, "vmorph", "fl"));
        Assert.Equal("--observe --observe-before", Complete(script, "vmorph", "apply", "plan.json", "--obs"));
        Assert.Equal("json", Complete(script, "vmorph", "fleet", "-o", "j"));
        // Targets and VMs come from the command as typed (./vmorph from a clone, vmorph once installed).
        var stub = cli.Scratch("vmorph-stub");
        await File.WriteAllTextAsync(stub, "#!/bin/sh\n[ \"$1 $2\" = \"targets --no-headers\" ] && echo 'small   vcpus=2   Two vCPUs'\n[ \"$1 $2\" = \"fleet --no-headers\" ] && echo 'lab-1   libvirt   12'\nexit 0\n");
        File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal("small", Complete(script, stub, "plan", "lab-1", "--to", "sm"));
        Assert.Equal("lab-1", Complete(script, stub, "traits", "la"));
        var wrong = await cli.RunAsync("completion", "fish");
        Assert.Equal(ExitCodes.Usage, wrong.Exit);
    }

    private static string Complete(string script, params string[] words)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        var quoted = string.Join(' ', words.Select(w => "'" + w + "'"));
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={words.Length - 1}; _vmorph; echo \"${{COMPREPLY[*]}}\"");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return string.Join(' ', output.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }

    internal const string SmallTarget = """
        apiVersion: vmorph/v1
        kind: TargetProfile
        metadata:
          name: small
          description: Two vCPUs and 1 GiB.
        spec:
          resources:
            vcpus: "2"
            memory: 1GiB
        """;
}
