using System.ComponentModel;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Store;

namespace Vmorph.Cli.Commands;

/// <summary>Options of commands about one VM.</summary>
public class VmSettings : GlobalSettings
{
    /// <summary>The VM.</summary>
    [CommandArgument(0, "<VM>")]
    [Description("The VM's id or name (as 'vmorph fleet' lists them).")]
    public string Vm { get; init; } = "";
}

/// <summary>Finding a VM or saying it is not there.</summary>
internal static class VmLookup
{
    public static async Task<StoredProfile> FindOrFailAsync(this IFleetStore store, string vm, CancellationToken cancellationToken) =>
        await store.FindAsync(vm, cancellationToken)
        ?? throw new CliException($"no VM with id or name '{vm}' in {store.Location}; 'vmorph fleet' lists them", ExitCodes.NotFound);
}
