using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Tests.Hosting;

/// <summary>A hostile target profile in the data directory is an error naming the file and field, never a crash.</summary>
public sealed class HostileTargetProfileTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private async Task<(int Exit, string Out, string Error, string Console)> TargetsWithAsync(string name, string yaml)
    {
        var directory = Directory.CreateDirectory(Path.Combine(cli.DataDirectory, "targets")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, name), yaml);
        return await cli.RunAsync("targets");
    }

    [Fact]
    public async Task Targets_ThirtyThousandNestedParentheses_ExitsOneWithTheField()
    {
        var vcpus = new string('(', 30_000) + "1" + new string(')', 30_000);
        var result = await TargetsWithAsync("deep.yaml", $"apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata:\n  name: deep\nspec:\n  resources:\n    vcpus: \"{vcpus}\"\n");
        Assert.Equal(ExitCodes.Error, result.Exit);
        var output = result.Error + result.Console;
        Assert.Contains("target profile 'deep': spec.resources.vcpus: nested more than 32 deep", output, StringComparison.Ordinal);
        Assert.Contains("deep.yaml", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Targets_DuplicateKey_ExitsOneWithLineAndColumn()
    {
        var result = await TargetsWithAsync("twice.yaml", CommandLineTests.SmallTarget + "\n    vcpus: \"4\"\n");
        Assert.Equal(ExitCodes.Error, result.Exit);
        Assert.Contains("twice.yaml: line 10, column 5: the key 'vcpus' is given twice", result.Error + result.Console, StringComparison.Ordinal);
    }
}
