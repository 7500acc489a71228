using System.Reflection;
using System.Runtime.InteropServices;

namespace Vmorph.Cli.Hosting;

/// <summary>What <c>vmorph version</c> says: the version, the commit it was built from, the runtime and platform.</summary>
public sealed record BuildInfo(string Version, string? Commit, string Runtime, string Platform)
{
    /// <summary>This build, read from the assembly's attributes.</summary>
    public static BuildInfo Current { get; } = Read(typeof(BuildInfo).Assembly);

    /// <summary>Reads the build information of an assembly (<c>0.1.0+abc123</c> is version 0.1.0 from commit abc123).</summary>
    public static BuildInfo Read(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString(3) ?? "0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return new BuildInfo(
            plus < 0 ? informational : informational[..plus],
            plus < 0 ? null : informational[(plus + 1)..],
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.RuntimeIdentifier);
    }
}
