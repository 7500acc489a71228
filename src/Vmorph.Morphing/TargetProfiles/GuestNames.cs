using System.Text.RegularExpressions;

namespace Vmorph.TargetProfiles;

/// <summary>
/// The strict patterns guest-side names must match before they may appear in an argument vector run in a guest.
/// None of them can start with '-' (so no name can be read as an option) and none contains white space, quotes,
/// shell metacharacters or path separators.
/// </summary>
public static partial class GuestNames
{
    /// <summary>
    /// A Debian package name (Debian Policy 5.6.1): lower-case letters, digits, '+', '-' and '.', at least two characters,
    /// starting with a letter or digit; at most 128 characters here.
    /// </summary>
    public static bool IsPackage(string? name) => name is { Length: >= 2 and <= 128 } && PackagePattern().IsMatch(name);

    /// <summary>
    /// A systemd unit name (systemd.unit(5)): ASCII letters, digits, ':', '-', '_', '.', and '@' for template instances,
    /// starting with a letter, digit or '_', at most 255 characters. The backslash escapes systemd allows are refused.
    /// </summary>
    public static bool IsService(string? name) => name is { Length: >= 1 and <= 255 } && ServicePattern().IsMatch(name);

    /// <summary>A sysctl key: dotted lower-case words (<c>net.core.somaxconn</c>, <c>net.ipv4.conf.all.rp_filter</c>).</summary>
    public static bool IsSysctlKey(string? key) => key is { Length: >= 3 and <= 200 } && SysctlKeyPattern().IsMatch(key);

    /// <summary>A sysctl value: digits, letters, spaces, tabs and '.', ':', '-', '_', '/', ',' (no quotes, no shell characters).</summary>
    public static bool IsSysctlValue(string? value) => value is { Length: >= 1 and <= 200 } && SysctlValuePattern().IsMatch(value);

    /// <summary>What a package name must look like, for messages.</summary>
    public const string PackageRule = "a Debian package name: at least two characters of a-z, 0-9, '+', '-', '.', starting with a letter or digit";

    /// <summary>What a service name must look like, for messages.</summary>
    public const string ServiceRule = "a systemd unit name: letters, digits, ':', '-', '_', '.', '@', starting with a letter, digit or '_'";

    [GeneratedRegex("^[a-z0-9][a-z0-9+.-]+$")]
    private static partial Regex PackagePattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9:_.@-]*$")]
    private static partial Regex ServicePattern();

    [GeneratedRegex("^[a-z0-9_]+(\\.[a-z0-9_-]+)+$")]
    private static partial Regex SysctlKeyPattern();

    [GeneratedRegex("^[A-Za-z0-9 \\t.:_/,-]+$")]
    private static partial Regex SysctlValuePattern();
}
