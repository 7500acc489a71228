using System.Text.Json;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Tests.Hosting;

namespace Vmorph.Cli.Tests.Commands;

/// <summary>
/// Saved plans as terraform has them: <c>plan --out</c> saves, <c>show</c> prints without applying, <c>apply FILE</c>
/// applies the reviewed plan without asking, while <c>apply VM --to TARGET</c> asks. Against libvirt's own test driver
/// (<c>test:///default</c>, a VM named "test"; needs libvirt0, which scripts/deps installs). That driver changes
/// resources only at a restart and takes no snapshots, so the plans here restart the VM with --snapshot minimal.
/// </summary>
public sealed class SavedPlanTests : IDisposable
{
    private const string Connect = "test:///default";
    private readonly CliHarness cli = new();
    private readonly string targets;

    public SavedPlanTests()
    {
        // A morph waits on the clock (lease renewals, the guard's samples): the real one, as a user has.
        cli.Clock = TimeProvider.System;
        targets = Directory.CreateDirectory(cli.Scratch("my-targets")).FullName;
        File.WriteAllText(Path.Combine(targets, "small.yaml"), CommandLineTests.SmallTarget);
    }

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Targets_TheDataDirectoryNamedAgain_IsReadOnce()
    {
        var own = Directory.CreateDirectory(Path.Combine(cli.DataDirectory, "targets")).FullName;
        File.Copy(Path.Combine(targets, "small.yaml"), Path.Combine(own, "small.yaml"));
        var result = await cli.RunAsync("targets", "--targets", own, "-o", "json");
        Assert.True(result.Exit == 0, result.Error);
    }

    private async Task<string> SavePlanAsync()
    {
        var file = cli.Scratch("plan.json");
        var plan = await cli.RunAsync("plan", "test", "--connect", Connect, "--to", "small", "--targets", targets, "--snapshot", "minimal", "--out", file);
        Assert.True(plan.Exit == ExitCodes.Changes, $"plan exited {plan.Exit}: {plan.Error}");
        Assert.Contains("memory.current: 2 GiB -> 1 GiB (restart)", plan.Out, StringComparison.Ordinal);
        // The hint about the saved file is for people, on standard error; standard output is the plan alone.
        Assert.Contains("Saved to", plan.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Saved to", plan.Out, StringComparison.Ordinal);
        return file;
    }

    [Fact]
    public async Task Show_PrintsTheSavedPlanWithoutApplyingIt()
    {
        var file = await SavePlanAsync();
        var show = await cli.RunAsync("show", file);
        Assert.True(show.Exit == 0, show.Error);
        Assert.Contains("VM 'test' -> target profile 'small'", show.Out, StringComparison.Ordinal);
        Assert.Contains("memory.current: 2 GiB -> 1 GiB", show.Out, StringComparison.Ordinal);
        var json = await cli.RunAsync("show", file, "-o", "json");
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal("small", document.RootElement.GetProperty("targetProfile").GetString());
        // show reaches no hypervisor: it has no --connect to reach one with.
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("show", file, "--connect", Connect)).Exit);
    }

    [Fact]
    public async Task Show_ATamperedPlan_IsRefusedNamingTheFile()
    {
        var file = await SavePlanAsync();
        var text = await File.ReadAllTextAsync(file);
        await File.WriteAllTextAsync(file, text.Replace("\"small\"", "\"large\"", StringComparison.Ordinal));
        var show = await cli.RunAsync("show", file);
        Assert.Equal(ExitCodes.Error, show.Exit);
        Assert.Contains(file, show.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_WithInverses_PrintsHowEveryStepIsUndone()
    {
        var file = await SavePlanAsync();
        var plain = await cli.RunAsync("show", file);
        Assert.DoesNotContain("undo: ~ memory.current", plain.Out, StringComparison.Ordinal);
        var show = await cli.RunAsync("show", file, "--inverses");
        Assert.True(show.Exit == 0, show.Error);
        Assert.Contains("undo: ~ memory.current: 1 GiB -> 2 GiB (restart)", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowAndApply_APlanWhoseInverseWasEditedAndItsIdComputedAgain_AreRefusedNamingTheStep()
    {
        var file = await SavePlanAsync();
        var plan = Vmorph.Planning.PlanFile.Load(await File.ReadAllTextAsync(file)).Value;
        var step = plan.Steps.First(s => s.Subject == "memory.current");
        var edited = step with { Inverse = step.Inverse with { Changes = [new Vmorph.Configuration.ConfigurationChange("memory.current", step.Changes[0].After, "1048576")] } };
        var tampered = plan with { Delta = new Vmorph.Planning.ConfigurationDelta(plan.Steps.SetItem(step.Index - 1, edited)) };
        await File.WriteAllTextAsync(file, Vmorph.Planning.PlanFile.Save(tampered with { Id = Vmorph.Planning.Plan.ComputeId(tampered) }));
        var expected = $"{file}: step {step.Index} (memory.current): its inverse sets memory.current to 1 MiB, but undoing the step sets 2 GiB; the file was changed after it was saved";
        var show = await cli.RunAsync("show", file);
        Assert.Equal(ExitCodes.Error, show.Exit);
        Assert.Contains(expected, show.Error, StringComparison.Ordinal);
        var apply = await cli.RunAsync("apply", file, "--connect", Connect);
        Assert.NotEqual(0, apply.Exit);
        Assert.Contains(expected, apply.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_AFileOverTheSizeLimit_IsRefusedUnread()
    {
        var file = cli.Scratch("huge.json");
        await File.WriteAllTextAsync(file, new string(' ', Vmorph.Planning.PlanFile.MaxBytes + 1));
        var show = await cli.RunAsync("show", file);
        Assert.Equal(ExitCodes.Error, show.Exit);
        Assert.Contains($"{file}: larger than 4 MiB; not a plan vmorph wrote", show.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ASavedPlan_GoesAheadWithoutAskingWhileApplyTo_Asks()
    {
        // Standard input is not a terminal here (as in a pipeline or CI), and there is no --yes.
        Assert.False(cli.Terminal.InputIsTerminal);
        var asks = await cli.RunAsync("apply", "test", "--connect", Connect, "--to", "small", "--targets", targets, "--snapshot", "minimal", "--observe", "0", "--observe-before", "0");
        Assert.Equal(ExitCodes.Error, asks.Exit);
        Assert.Contains("cannot ask for confirmation", asks.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("morph 20", asks.Error, StringComparison.Ordinal);

        var file = await SavePlanAsync();
        var applied = await cli.RunAsync("apply", file, "--connect", Connect, "--observe", "0", "--observe-before", "0");
        Assert.DoesNotContain("cannot ask for confirmation", applied.Error, StringComparison.Ordinal);
        Assert.True(applied.Exit == ExitCodes.Success, applied.Error);
        Assert.Contains("committed: VM 'test' is at configuration v2 (small)", applied.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyTo_OnATerminal_AsksAndOnlyYesGoesAhead()
    {
        cli.Terminal = TerminalInfo.Of(120) with { InputIsTerminal = true };
        cli.Input = "y\n";
        var refused = await cli.RunAsync("apply", "test", "--connect", Connect, "--to", "small", "--targets", targets, "--snapshot", "minimal", "--observe", "0", "--observe-before", "0");
        Assert.Equal(ExitCodes.Error, refused.Exit);
        Assert.Contains("Only 'yes' is accepted", refused.Error, StringComparison.Ordinal);
        Assert.Contains("not confirmed; nothing was changed", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("morph 20", refused.Error, StringComparison.Ordinal);

        cli.Input = "yes\n";
        var confirmed = await cli.RunAsync("apply", "test", "--connect", Connect, "--to", "small", "--targets", targets, "--snapshot", "minimal", "--observe", "0", "--observe-before", "0");
        Assert.True(confirmed.Exit == ExitCodes.Success, confirmed.Error);
        Assert.Contains("Only 'yes' is accepted", confirmed.Error, StringComparison.Ordinal);
        Assert.Contains("committed: VM 'test'", confirmed.Out, StringComparison.Ordinal);
    }
}
