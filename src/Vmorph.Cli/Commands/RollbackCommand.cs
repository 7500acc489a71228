using System.ComponentModel;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Morphing;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph rollback VM [--to-version N]</c>: returns the VM to a committed configuration version of its history —
/// by default the one its last committed morph started from — as a morph of its own (planned, journaled, guarded,
/// and itself recorded as a new version). Inverse steps first (live, nothing lost); restart-mode changes wait for one
/// restart, shown in the plan. Exit codes as <c>apply</c>.
/// </summary>
public sealed class RollbackCommand(CliContext context) : VmorphCommand<RollbackCommand.Settings>(context)
{
    /// <summary>Options of <c>rollback</c>.</summary>
    public sealed class Settings : MorphRunSettings
    {
        /// <summary>The VM.</summary>
        [CommandArgument(0, "<VM>")]
        [Description("The VM's libvirt name or UUID.")]
        public string Vm { get; init; } = "";

        /// <summary>The version to return to.</summary>
        [CommandOption("--to-version <N>")]
        [Description("The configuration version to return to ('vmorph history VM' lists them). Default: the one before the VM's last committed morph.")]
        public int? ToVersion { get; init; }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        using var session = await MorphSession.OpenAsync(Context, settings, recover: true, cancellationToken);
        var vm = await session.FindVmAsync(settings.Vm, cancellationToken);
        if (settings.Wait)
        {
            var busy = await session.Engine.WaitUntilFreeAsync(vm.Id, Durations.Parse(settings.WaitTimeout, "--wait-timeout"), cancellationToken);
            if (busy is not null) throw new CliException(busy, MorphExitCodes.Busy);
            vm = await session.FindVmAsync(settings.Vm, cancellationToken);
        }
        var profile = (await session.Store.LoadAsync([vm.Id], cancellationToken)).GetValueOrDefault(vm.Id)?.Profile;
        var plan = await session.Engine.PlanRollbackAsync(vm, settings.ToVersion, profile, cancellationToken);
        if (!plan.IsSuccess) throw new CliException(string.Join("\n", plan.Errors));
        return await ApplyCommand.Run(session, settings, plan.Value, MorphKind.Rollback, [],
            $"Return VM '{vm.Name}' to {plan.Value.TargetProfile.Replace("configuration-v", "configuration version ", StringComparison.Ordinal)}?", Context, cancellationToken);
    }
}
