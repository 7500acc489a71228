using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Vmorph.Yaml;

/// <summary>
/// The one way vmorph reads YAML a user wrote (archetypes, target profiles, policies): bounded before anything is built
/// from it, and every failure said in words with the file, line and column. A document is refused when it is longer
/// than <see cref="MaxDocumentChars"/>, nests deeper than <see cref="MaxDepth"/>, uses an alias (<c>*name</c>, which
/// could expand without bound: "billion laughs"), gives a key twice in one mapping, or carries a tag other than YAML's
/// own. Takes text, never a path: the domain does no I/O.
/// </summary>
public static partial class SafeYaml
{
    /// <summary>The longest document read, in characters (1 MiB): checked before the document is parsed.</summary>
    public const int MaxDocumentChars = 1024 * 1024;

    /// <summary>The deepest nesting of mappings and lists read.</summary>
    public const int MaxDepth = 32;

    private const string StandardTagPrefix = "tag:yaml.org,2002:";

    /// <summary>
    /// Checks a document against the limits without building anything from it; returns every problem found before
    /// the first one that stops the scan (a syntax error, an alias, nesting too deep). Empty when the document is fine.
    /// </summary>
    public static IReadOnlyList<string> Check(string source, string yaml)
    {
        if (yaml.Length > MaxDocumentChars)
            return [string.Create(CultureInfo.InvariantCulture, $"{source}: the file is larger than {MaxDocumentChars / 1024 / 1024} MiB; vmorph reads YAML files up to {MaxDocumentChars / 1024 / 1024} MiB")];
        var errors = new List<string>();
        var frames = new Stack<Frame>();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current;
                switch (current)
                {
                    case AnchorAlias alias:
                        errors.Add($"{At(source, alias.Start)}: aliases (*{alias.Value}) are not allowed; write the value out in full");
                        return errors;
                    case DocumentStart:
                        frames.Clear();
                        continue;
                    case MappingEnd or SequenceEnd:
                        if (frames.Count > 0) frames.Pop();
                        continue;
                }
                if (current is not NodeEvent node) continue;
                if (!node.Tag.IsEmpty && !node.Tag.Value.StartsWith(StandardTagPrefix, StringComparison.Ordinal) && node.Tag.Value != "!")
                    errors.Add($"{At(source, node.Start)}: the tag '{node.Tag.Value}' is not allowed; remove it");
                if (frames.TryPeek(out var parent))
                {
                    if (parent.Keys is not null && parent.Items % 2 == 0 && node is Scalar key)
                    {
                        if (parent.Keys.TryGetValue(key.Value, out var first))
                            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{At(source, key.Start)}: the key '{Shorten(key.Value)}' is given twice in the same mapping (first on line {first}); remove one"));
                        else parent.Keys[key.Value] = key.Start.Line;
                    }
                    parent.Items++;
                }
                if (node is MappingStart or SequenceStart)
                {
                    if (frames.Count >= MaxDepth)
                    {
                        errors.Add(string.Create(CultureInfo.InvariantCulture, $"{At(source, node.Start)}: nested more than {MaxDepth} levels deep"));
                        return errors;
                    }
                    frames.Push(new Frame(node is MappingStart ? new Dictionary<string, long>(StringComparer.Ordinal) : null));
                }
            }
        }
        catch (YamlException e)
        {
            errors.Add(Describe(source, e));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner can fail on some malformed flow collections with an internal error of its own: still
            // the user's document, so said in words at the last place the parser reached.
            errors.Add($"{At(source, parser.Current?.Start ?? Mark.Empty)}: the YAML cannot be read after this point; check the brackets, braces and quotes that follow");
        }
        return errors;
    }

    /// <summary>
    /// Checks a document (<see cref="Check"/>) and then deserializes it to <typeparamref name="T"/> with hyphenated
    /// names; <paramref name="configure"/> adds type converters. A failure names the file, line and column and says
    /// what is wrong without .NET type names. An empty document gives null.
    /// </summary>
    public static Result<T?> Deserialize<T>(string source, string yaml, Action<DeserializerBuilder>? configure = null)
        where T : class
    {
        var problems = Check(source, yaml);
        if (problems.Count > 0) return Result<T?>.Fail(problems);
        var builder = new DeserializerBuilder()
            .WithNamingConvention(HyphenatedNamingConvention.Instance)
            .WithNodeDeserializer(inner => new WordedScalarDeserializer(inner), s => s.InsteadOf<YamlDotNet.Serialization.NodeDeserializers.ScalarNodeDeserializer>());
        configure?.Invoke(builder);
        try
        {
            return Result<T?>.Ok(builder.Build().Deserialize<T>(yaml));
        }
        catch (YamlException e)
        {
            return Result<T?>.Fail(Describe(source, e));
        }
#pragma warning disable CA1031 // Any other failure of the deserializer is still the user's document: say so, in words.
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException or InvalidCastException or NotSupportedException)
#pragma warning restore CA1031
        {
            return Result<T?>.Fail($"{source}: {Words(e.Message)}");
        }
    }

    /// <summary>A YAML error as "FILE: line L, column C: what is wrong", with .NET type names put into words.</summary>
    public static string Describe(string source, YamlException e)
    {
        var innermost = (Exception)e;
        var mark = e.Start;
        // YamlDotNet wraps a conversion failure ("Exception during deserialization") around the real reason.
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
            if (inner is YamlException y && !y.Start.Equals(Mark.Empty)) mark = y.Start;
        }
        var message = innermost is YamlException ye ? ye.Message : innermost.Message;
        message = LocationPrefix().Replace(message.Split('\n')[0].Trim(), "");
        if (innermost is FormatException or OverflowException or InvalidCastException)
            message = $"the value is not of the expected kind ({Words(message)})";
        return $"{At(source, mark)}: {Words(message)}";
    }

    /// <summary>"FILE: line L, column C" for a position in a document.</summary>
    public static string At(string source, Mark mark) =>
        mark.Equals(Mark.Empty) || mark.Line <= 0
            ? source
            : string.Create(CultureInfo.InvariantCulture, $"{source}: line {mark.Line}, column {mark.Column}");

    /// <summary>Puts a deserializer's message into words: .NET type names become what a user writes.</summary>
    internal static string Words(string message)
    {
        message = UnknownProperty().Replace(message, m => $"unknown key '{m.Groups["key"].Value}'");
        message = NoDeserializer().Replace(message, m => $"expected {TypeWords(m.Groups["type"].Value)} here");
        message = ExpectedEvent().Replace(message, m => $"expected {EventWords(m.Groups["want"].Value)} here, not {EventWords(m.Groups["got"].Value)}");
        message = AssemblyQualified().Replace(message, m => TypeWords(m.Groups["type"].Value));
        message = TypeName().Replace(message, m => TypeWords(m.Value));
        return message.TrimEnd('.');
    }

    /// <summary>What a .NET type is called in a YAML file.</summary>
    internal static string TypeWords(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type == typeof(char)) return "a single value";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type.IsPrimitive) return "a whole number" + (IntegerRange(type) is { } range ? $" from {range}" : "");
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        if (type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))) return "a list";
        return "a mapping";
    }

    private static string? IntegerRange(Type type) =>
        type == typeof(int) ? "-2147483648 to 2147483647"
        : type == typeof(long) ? "-9223372036854775808 to 9223372036854775807"
        : type == typeof(uint) ? "0 to 4294967295"
        : type == typeof(ushort) ? "0 to 65535"
        : type == typeof(short) ? "-32768 to 32767"
        : type == typeof(byte) ? "0 to 255"
        : null;

    private static string TypeWords(string name)
    {
        name = name.Trim();
        if (name.StartsWith("System.Nullable`1[[", StringComparison.Ordinal)) name = name["System.Nullable`1[[".Length..];
        var simple = name.Split(',', '[')[0];
        return simple switch
        {
            "System.String" or "System.Char" => "a single value",
            "System.Boolean" => "true or false",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" or "System.UInt32" or "System.UInt64" or "System.UInt16" or "System.SByte" => "a whole number",
            _ when simple.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal) || simple.EndsWith("[]", StringComparison.Ordinal) => "a list",
            _ => "a mapping",
        };
    }

    private static string EventWords(string name) => name switch
    {
        "Scalar" => "a single value",
        "MappingStart" => "a mapping",
        "SequenceStart" => "a list",
        "MappingEnd" => "the end of the mapping",
        "SequenceEnd" => "the end of the list",
        "StreamEnd" => "the end of the file",
        "DocumentStart" or "DocumentEnd" => "another document (---); a file holds one document",
        _ => "something else",
    };

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    [GeneratedRegex(@"^(\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ?)+")]
    private static partial Regex LocationPrefix();

    [GeneratedRegex(@"Property '(?<key>[^']*)' not found on type '[^']*'\.?")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"No node deserializer was able to deserialize the node into type (?<type>[^\s,]+)(, [^,]+, Version=[^,]+, Culture=[^,]+, PublicKeyToken=\w+)?")]
    private static partial Regex NoDeserializer();

    [GeneratedRegex(@"Expected '(?<want>\w+)', got '(?<got>\w+)'( \(at [^)]*\))?")]
    private static partial Regex ExpectedEvent();

    [GeneratedRegex(@"'?(?<type>[\w.`\[\]]+), [\w.]+, Version=[^,]+, Culture=[^,]+, PublicKeyToken=\w+\]*'?")]
    private static partial Regex AssemblyQualified();

    [GeneratedRegex(@"\b(System|Vmorph|YamlDotNet)\.[\w.`\[\]]+")]
    private static partial Regex TypeName();

    private sealed class Frame(Dictionary<string, long>? keys)
    {
        public Dictionary<string, long>? Keys { get; } = keys;

        public int Items { get; set; }
    }

    /// <summary>Reads scalars as the built-in deserializer does, but says a value of the wrong kind in words.</summary>
    private sealed class WordedScalarDeserializer(INodeDeserializer inner) : INodeDeserializer
    {
        public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value, ObjectDeserializer rootDeserializer)
        {
            if (!reader.Accept<Scalar>(out var scalar)) return inner.Deserialize(reader, expectedType, nestedObjectDeserializer, out value, rootDeserializer);
            try
            {
                return inner.Deserialize(reader, expectedType, nestedObjectDeserializer, out value, rootDeserializer);
            }
            catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException or ArgumentException)
            {
                throw new YamlException(scalar.Start, scalar.End, $"'{Shorten(scalar.Value)}' is not {TypeWords(expectedType)}");
            }
        }
    }
}
