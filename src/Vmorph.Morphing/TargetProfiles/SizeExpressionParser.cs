using System.Globalization;
using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.TargetProfiles;

/// <summary>
/// A small, strict recursive-descent parser for size expressions (vmorph's own little language, so hand-written):
/// <code>
/// size     := sum (',' bound)*
/// bound    := ('min' | 'max') NUMBER [unit]
/// sum      := product (('+' | '-') product)*
/// product  := atom (('*' | '/') atom)*
/// atom     := NUMBER [unit | '%'] | stat '(' metric ')' | 'current' | '(' sum ')'
/// stat     := 'p' NUMBER | 'mean' | 'peak'
/// unit     := B | KiB | MiB | GiB | TiB, each optionally followed by '/s'
/// </code>
/// Units are binary and case-sensitive; adding or subtracting needs the same unit on both sides; a product may have
/// at most one factor with a unit; a divisor has none.
/// </summary>
internal sealed class SizeExpressionParser
{
    private static readonly Dictionary<string, double> Units = new(StringComparer.Ordinal)
    {
        ["B"] = 1,
        ["KiB"] = MemorySize.KiB,
        ["MiB"] = MemorySize.MiB,
        ["GiB"] = MemorySize.GiB,
        ["TiB"] = MemorySize.TiB,
    };

    private static readonly Dictionary<string, Metric> MetricsByName = Metrics.All.ToDictionary(m => m.Name(), StringComparer.Ordinal);

    private readonly string text;
    private readonly SizeKind kind;
    private int position;

    private SizeExpressionParser(string text, SizeKind kind)
    {
        this.text = text;
        this.kind = kind;
    }

    public static Result<SizeExpression> Parse(string? text, SizeKind kind)
    {
        if (string.IsNullOrWhiteSpace(text)) return Result<SizeExpression>.Fail($"the value is empty; expected {kind.Noun()}");
        // Bounded before parsing, without echoing the text: the parser recurses once per parenthesis and per operator.
        if (Nesting(text) > MaxDepth) return Result<SizeExpression>.Fail($"nested more than {MaxDepth} deep; simplify the expression");
        if (text.Length > MaxLength) return Result<SizeExpression>.Fail($"the expression is {text.Length} characters long; at most {MaxLength} are allowed");
        var parser = new SizeExpressionParser(text, kind);
        try
        {
            return Result<SizeExpression>.Ok(parser.ParseSize());
        }
        catch (SizeSyntaxException e)
        {
            return Result<SizeExpression>.Fail($"'{text}' is not {kind.Noun()}: {e.Message}");
        }
    }

    /// <summary>The deepest nesting of parentheses allowed.</summary>
    public const int MaxDepth = 32;

    /// <summary>The longest expression allowed, in characters.</summary>
    public const int MaxLength = 256;

    /// <summary>The largest number that may be written (before its unit): larger ones overflow when multiplied.</summary>
    public const double MaxNumber = 1e15;

    private int depth;

    private static int Nesting(string text)
    {
        int level = 0, deepest = 0;
        foreach (var c in text)
        {
            if (c == '(') deepest = Math.Max(deepest, ++level);
            else if (c == ')' && level > 0) level--;
        }
        return deepest;
    }

    private SizeExpression ParseSize()
    {
        var root = ParseSum();
        double? min = null, max = null;
        SkipSpaces();
        while (Peek() == ',')
        {
            position++;
            SkipSpaces();
            var at = position;
            var word = ReadWord();
            if (word is not ("min" or "max")) throw Error(at, word.Length == 0 ? "expected 'min' or 'max' after ','" : $"expected 'min' or 'max' after ',', not '{word}'");
            SkipSpaces();
            var boundAt = position;
            var bound = ParseNumberWithUnit();
            if (bound.Dimension != Expected) throw Error(boundAt, $"the {word} bound {Describe(bound.Dimension)}; {Requirement()}");
            if (kind == SizeKind.Count && bound.Value != Math.Floor(bound.Value)) throw Error(boundAt, $"the {word} bound must be a whole number");
            if (word == "min")
            {
                if (min is not null) throw Error(at, "'min' is given twice");
                min = bound.Value;
            }
            else
            {
                if (max is not null) throw Error(at, "'max' is given twice");
                max = bound.Value;
            }
            SkipSpaces();
        }
        if (position < text.Length) throw Error(position, $"unexpected '{text[position]}'");
        if (root.Dimension != Expected) throw Error(0, $"it {Describe(root.Dimension)}; {Requirement()}", column: false);
        if (min is not null && max is not null && min > max)
            throw Error(0, $"min {SizeExpression.Format(min.Value, kind)} is above max {SizeExpression.Format(max.Value, kind)}", column: false);
        if (kind == SizeKind.Share && (max ?? 0) > 1) throw Error(0, "a share cannot exceed 100%", column: false);
        return new SizeExpression(text, kind, root, min, max);
    }

    private Dimension Expected => kind switch
    {
        SizeKind.Bytes => Dimension.Bytes,
        SizeKind.Rate => Dimension.Rate,
        _ => Dimension.Scalar,
    };

    private string Requirement() => kind switch
    {
        SizeKind.Bytes => "a size needs a unit: B, KiB, MiB, GiB or TiB",
        SizeKind.Rate => "a rate needs a unit per second: B/s, KiB/s, MiB/s, GiB/s or TiB/s",
        SizeKind.Share => "a share is a plain number or a percentage (25%)",
        _ => "a count is a plain number without a unit",
    };

    private static string Describe(Dimension dimension) => dimension switch
    {
        Dimension.Bytes => "is in bytes",
        Dimension.Rate => "is in bytes per second",
        _ => "has no unit",
    };

    private SizeNode ParseSum()
    {
        var left = ParseProduct();
        while (true)
        {
            SkipSpaces();
            var op = Peek();
            if (op is not ('+' or '-')) return left;
            var at = position++;
            var right = ParseProduct();
            if (left.Dimension != right.Dimension)
                throw Error(at, $"cannot {(op == '+' ? "add" : "subtract")} a value that {Describe(right.Dimension)} {(op == '+' ? "to" : "from")} one that {Describe(left.Dimension)}");
            left = new BinaryNode(op, left, right, left.Dimension);
        }
    }

    private SizeNode ParseProduct()
    {
        var left = ParseAtom();
        while (true)
        {
            SkipSpaces();
            var op = Peek();
            if (op is not ('*' or '/')) return left;
            var at = position++;
            var right = ParseAtom();
            if (op == '*')
            {
                if (left.Dimension != Dimension.Scalar && right.Dimension != Dimension.Scalar)
                    throw Error(at, "cannot multiply two values that both have a unit");
                left = new BinaryNode('*', left, right, left.Dimension == Dimension.Scalar ? right.Dimension : left.Dimension);
            }
            else
            {
                if (right.Dimension != Dimension.Scalar) throw Error(at, "cannot divide by a value that has a unit");
                if (right is NumberNode { Value: 0 }) throw Error(at, "division by zero");
                left = new BinaryNode('/', left, right, left.Dimension);
            }
        }
    }

    private SizeNode ParseAtom()
    {
        SkipSpaces();
        var at = position;
        var c = Peek();
        if (c == '(')
        {
            if (++depth > MaxDepth) throw Error(at, $"nested more than {MaxDepth} deep");
            position++;
            var inner = ParseSum();
            depth--;
            SkipSpaces();
            if (Peek() != ')') throw Error(position, "expected ')'");
            position++;
            return inner;
        }
        if (char.IsAsciiDigit(c) || c == '.') return ParseNumberWithUnit();
        if (!char.IsAsciiLetter(c))
            throw Error(at, c == '\0' ? "it ends where a value was expected" : $"expected a number, a statistic such as p95(memory), 'current' or '(', not '{c}'");
        var word = ReadWord();
        if (word == "current") return new CurrentNode(Expected);
        var statistic = ParseStatistic(word, at);
        SkipSpaces();
        if (Peek() != '(') throw Error(position, $"expected '(' and a metric after '{word}', as in {word}(memory)");
        position++;
        SkipSpaces();
        var metricAt = position;
        var metricName = ReadMetricName();
        if (!MetricsByName.TryGetValue(metricName, out var metric))
            throw Error(metricAt, $"unknown metric '{metricName}'", $"; metrics: {string.Join(", ", MetricsByName.Keys)}");
        SkipSpaces();
        if (Peek() != ')') throw Error(position, "expected ')'");
        position++;
        return new StatisticNode(text[at..position], metric, statistic.Statistic, statistic.Quantile);
    }

    private (SizeStatistic Statistic, double Quantile) ParseStatistic(string word, int at)
    {
        if (word == "mean") return (SizeStatistic.Mean, 0);
        if (word == "peak") return (SizeStatistic.Peak, 1);
        if (word.Length > 1 && word[0] == 'p' &&
            double.TryParse(word.AsSpan(1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percentile) &&
            percentile > 0 && percentile < 100)
            return (SizeStatistic.Percentile, percentile / 100);
        if (word is "min" or "max") throw Error(at, $"expected ',' before '{word}'");
        throw Error(at, $"unknown name '{word}'", "; expected a statistic of a metric (p50, p95, p99, mean, peak) or 'current'");
    }

    private NumberNode ParseNumberWithUnit()
    {
        var at = position;
        while (char.IsAsciiDigit(Peek()) || Peek() == '.') position++;
        var digits = text[at..position];
        if (digits.Length == 0) throw Error(at, Peek() == '\0' ? "it ends where a number was expected" : $"expected a number, not '{Peek()}'");
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || digits.StartsWith('.') || digits.EndsWith('.'))
            throw Error(at, $"'{digits}' is not a number");
        if (!double.IsFinite(value) || value > MaxNumber) throw Error(at, $"'{digits}' is too large; numbers are at most 10^15 (1000000000000000)");
        SkipSpaces();
        if (Peek() == '%')
        {
            if (kind != SizeKind.Share) throw Error(position, "a percentage is only allowed for a share (cpu-quota)");
            position++;
            return new NumberNode(value / 100, Dimension.Scalar);
        }
        if (!char.IsAsciiLetter(Peek())) return new NumberNode(value, Dimension.Scalar);
        var unitAt = position;
        var unit = ReadWord();
        if (unit is "min" or "max") throw Error(unitAt, $"expected ',' before '{unit}'");
        if (!Units.TryGetValue(unit, out var factor))
        {
            var hint = unit.ToUpperInvariant() switch
            {
                "KB" or "K" or "KIB" => " (did you mean KiB? sizes are binary and units are case-sensitive)",
                "MB" or "M" or "MIB" => " (did you mean MiB? sizes are binary and units are case-sensitive)",
                "GB" or "G" or "GIB" => " (did you mean GiB? sizes are binary and units are case-sensitive)",
                "TB" or "T" or "TIB" => " (did you mean TiB? sizes are binary and units are case-sensitive)",
                _ => "",
            };
            throw Error(unitAt, $"unknown unit '{unit}'", $"{hint}; units: B, KiB, MiB, GiB, TiB, or per second for rates (MiB/s)");
        }
        if (Peek() == '/' && position + 1 < text.Length && text[position + 1] == 's' &&
            (position + 2 >= text.Length || !char.IsAsciiLetterOrDigit(text[position + 2])))
        {
            position += 2;
            return new NumberNode(value * factor, Dimension.Rate);
        }
        return new NumberNode(value * factor, Dimension.Bytes);
    }

    private string ReadWord()
    {
        var at = position;
        while (char.IsAsciiLetterOrDigit(Peek()) || Peek() == '.') position++;
        return text[at..position];
    }

    private string ReadMetricName()
    {
        var at = position;
        while (char.IsAsciiLetterOrDigit(Peek()) || Peek() is '.' or '-' or '_') position++;
        return text[at..position];
    }

    private void SkipSpaces()
    {
        while (Peek() == ' ' || Peek() == '\t') position++;
    }

    private char Peek() => position < text.Length ? text[position] : '\0';

    private static SizeSyntaxException Error(int at, string message, string? hint = null, bool column = true) =>
        new((column ? $"{message} at column {at + 1}" : message) + hint);

    private sealed class SizeSyntaxException(string message) : Exception(message);
}
