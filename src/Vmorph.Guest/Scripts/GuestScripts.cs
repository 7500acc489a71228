namespace Vmorph.Guest.Scripts;

/// <summary>The POSIX sh + awk scripts vmorph runs inside a machine (embedded; the same text for the guest agent and locally).</summary>
public static class GuestScripts
{
    /// <summary>Reads <c>/proc</c>: processes, sockets, interfaces, sessions, memory.</summary>
    public static string Inventory { get; } = Load("inventory");

    /// <summary>The bounded data-footprint scan that prints only counts.</summary>
    public static string Footprint { get; } = Load("footprint");

    private static string Load(string name)
    {
        using var stream = typeof(GuestScripts).Assembly.GetManifestResourceStream($"Vmorph.Guest.Scripts.{name}.sh")
            ?? throw new InvalidOperationException($"the {name}.sh script is not embedded in {typeof(GuestScripts).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
