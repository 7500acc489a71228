namespace Vmorph.Fuzz.Tests.Harness;

/// <summary>
/// The rules a refusal's message keeps (issue 14; docs/TESTING.md, "Fuzzing"): one message on one line, starting with
/// where (the file), without .NET type names or a library's own wording. A long value of the user's own, quoted back,
/// is not against the rules.
/// </summary>
public static class Messages
{
    // Text that only .NET or a library writes: type names, stack frames, System.Text.Json's and Sep's own wording.
    private static readonly string[] Foreign =
    [
        "System.", "Exception", "Version=", "PublicKeyToken", " at Vmorph", "   at ", "nietras", "YamlDotNet", "LineNumber:",
        "BytePositionInLine", "Path: $", "(Parameter '", "Object reference", "Index was outside", "Specified argument",
        "Arithmetic operation", "Value was either too large", "Input string was not", "Nullable object",
        "Sequence contains", "The given key", "Collection was modified", "Stack overflow",
    ];

    /// <summary>What is wrong with a refusal's message, or null when it keeps the rules.</summary>
    public static string? Problem(string message, string where)
    {
        if (string.IsNullOrWhiteSpace(message)) return "the message is empty";
        if (!message.StartsWith(where, StringComparison.Ordinal)) return $"the message does not start with '{where}'";
        if (message.Contains('\n', StringComparison.Ordinal)) return "the message is more than one line";
        foreach (var text in Foreign)
            if (message.Contains(text, StringComparison.Ordinal)) return $"the message shows '{text.Trim()}'";
        return null;
    }
}
