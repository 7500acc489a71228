using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Commands;

/// <summary><c>vmorph version</c>: the version and build, as <c>kubectl version</c> shows its client.</summary>
public sealed class VersionCommand(CliContext context) : VmorphCommand<GlobalSettings>(context)
{
    /// <inheritdoc />
    protected override Task<int> RunAsync(GlobalSettings settings, CancellationToken cancellationToken)
    {
        var build = BuildInfo.Current;
        if (settings.Json) WriteJson(build);
        else Context.Output.WriteLine($"vmorph {build.Version} (commit {build.Commit ?? "unknown"}, {build.Runtime}, {build.Platform})");
        return Task.FromResult(ExitCodes.Success);
    }
}
