using System.Reflection;
using Spectre.Console.Cli;

namespace Vmorph.Cli.Hosting;

/// <summary>One command of <c>vmorph</c>: its name, description, settings type and examples, and how to register it.</summary>
internal sealed record CommandEntry(string Name, string Description, Type Settings, IReadOnlyList<string[]> Examples, Action<IConfigurator> Add)
{
    /// <summary>Every option of the command (<c>--data-dir</c>, <c>-o</c>, ...), with whether it takes a value.</summary>
    public IEnumerable<(string Name, bool TakesValue)> Options() => OptionsOf(Settings);

    /// <summary>Every visible option a settings type declares or inherits, with whether it takes a value.</summary>
    public static IEnumerable<(string Name, bool TakesValue)> OptionsOf(Type settings) =>
        from property in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        let option = property.GetCustomAttribute<CommandOptionAttribute>()
        where option is not null && !option.IsHidden
        from name in option.LongNames.Select(n => "--" + n).Concat(option.ShortNames.Select(n => "-" + n))
        select (name, option.ValueName is not null);
}
