namespace Vmorph.Cli.Hosting;

/// <summary>
/// Lets the options every command takes (<see cref="GlobalSettings"/>) come before the command, as kubectl and virsh
/// allow: <c>vmorph --data-dir D import PATH</c> is read as <c>vmorph import --data-dir D PATH</c>. Only options of
/// <see cref="GlobalSettings"/> are moved, so anything else before the command is still an error.
/// </summary>
public static class GlobalArguments
{
    private static readonly Dictionary<string, bool> TakesValue =
        CommandEntry.OptionsOf(typeof(GlobalSettings)).ToDictionary(o => o.Name, o => o.TakesValue, StringComparer.Ordinal);

    /// <summary>The global option names (<c>--data-dir</c>, <c>-o</c>, ...) and whether each takes a value.</summary>
    public static IReadOnlyDictionary<string, bool> Options => TakesValue;

    /// <summary>Moves the global options written before the command to just after it.</summary>
    public static string[] MoveAfterCommand(string[] args)
    {
        var leading = new List<string>();
        var i = 0;
        while (i < args.Length && Split(args[i]) is { } option && TakesValue.TryGetValue(option.Name, out var takesValue))
        {
            leading.Add(args[i]);
            i++;
            if (takesValue && option.Value is null && i < args.Length)
            {
                leading.Add(args[i]);
                i++;
            }
        }
        // Nothing to move, or no command after the options (then Spectre says what is wrong with them as they are).
        if (leading.Count == 0 || i >= args.Length || args[i].StartsWith('-')) return args;
        return [args[i], .. leading, .. args[(i + 1)..]];
    }

    private static (string Name, string? Value)? Split(string arg)
    {
        if (!arg.StartsWith('-')) return null;
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (arg, null) : (arg[..equals], arg[(equals + 1)..]);
    }
}
