namespace Vmorph.Guest.Parsing;

/// <summary>
/// The output of a vmorph guest script split into its sections (<c>@@vmorph NAME</c> lines). A script's output must
/// open with its header and close with <c>@@vmorph end</c>: anything else was cut short or is not from the script.
/// </summary>
internal sealed class ScriptOutput
{
    private const string Marker = "@@vmorph ";
    private readonly Dictionary<string, string> sections;

    private ScriptOutput(Dictionary<string, string> sections) => this.sections = sections;

    /// <summary>A section's text ("" when the section is absent or empty).</summary>
    public string this[string name] => sections.GetValueOrDefault(name, "");

    /// <summary>Splits <paramref name="text"/>, checking the header and the end marker.</summary>
    public static Result<ScriptOutput> Split(string text, string header, string target, string script)
    {
        if (!text.StartsWith(Marker + header + "\n", StringComparison.Ordinal))
            return Result<ScriptOutput>.Fail($"{target}: the {script} script's output does not start with its header, so it is not from the script: {Shell.QemuAgentShell.Excerpt(text)}");
        if (!text.TrimEnd('\n').EndsWith(Marker + "end", StringComparison.Ordinal))
            return Result<ScriptOutput>.Fail($"{target}: the {script} script's output has no end marker: it was cut short ({text.Length} bytes received)");
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var body = new System.Text.StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                if (current is not null) sections[current] = body.ToString();
                current = line[Marker.Length..].Trim();
                body.Clear();
                continue;
            }
            body.Append(line).Append('\n');
        }
        if (current is not null) sections[current] = body.ToString();
        return Result<ScriptOutput>.Ok(new ScriptOutput(sections));
    }

    /// <summary>Whether the output has a section called <paramref name="name"/>.</summary>
    public bool Has(string name) => sections.ContainsKey(name);

    /// <summary>The non-empty lines of a section.</summary>
    public IEnumerable<string> Lines(string name) => this[name].Split('\n').Where(l => l.Length > 0);
}
