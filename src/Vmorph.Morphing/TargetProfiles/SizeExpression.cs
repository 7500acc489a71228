using System.Globalization;
using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.TargetProfiles;

/// <summary>
/// A size in a target profile: absolute (<c>2</c>, <c>512MiB</c>, <c>50MiB/s</c>, <c>25%</c>) or relative to what the
/// VM's profile measured (<c>p95(memory) * 1.2, min 512MiB, max 8GiB</c>), optionally relative to the VM's current value
/// (<c>current, min 20GiB</c>). Parsed once by <see cref="Parse"/> (the grammar is in docs/MORPHING.md), evaluated per
/// VM by <see cref="Evaluate"/>: rounded up (counts to whole numbers, bytes to whole MiB), then held within its bounds.
/// </summary>
public sealed class SizeExpression
{
    internal SizeExpression(string text, SizeKind kind, SizeNode root, double? minimum, double? maximum)
    {
        Text = text;
        Kind = kind;
        Root = root;
        Minimum = minimum;
        Maximum = maximum;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>What it measures.</summary>
    public SizeKind Kind { get; }

    /// <summary>The lower bound (<c>min</c>) in the kind's base unit (bytes, bytes per second, a count, a share), if any.</summary>
    public double? Minimum { get; }

    /// <summary>The upper bound (<c>max</c>) in the kind's base unit, if any.</summary>
    public double? Maximum { get; }

    internal SizeNode Root { get; }

    /// <summary>Whether the value is fixed (no statistic of the profile, no <c>current</c>).</summary>
    public bool IsAbsolute => !Root.Any(n => n is StatisticNode or CurrentNode);

    /// <summary>Whether the expression refers to the VM's current value.</summary>
    public bool UsesCurrent => Root.Any(n => n is CurrentNode);

    /// <summary>Parses an expression of a kind; a failure says what is wrong and where (column, 1-based).</summary>
    public static Result<SizeExpression> Parse(string text, SizeKind kind) => SizeExpressionParser.Parse(text, kind);

    /// <summary>
    /// Evaluates the expression for one VM: <paramref name="context"/> supplies the profile's statistics and
    /// <paramref name="current"/> the VM's current value of the field (for <c>current</c>). Fails with a "no data" message
    /// when the profile lacks a metric the expression needs.
    /// </summary>
    public Result<double> Evaluate(ISizeContext context, double? current = null)
    {
        var errors = new List<string>();
        var raw = Root.Evaluate(context, current, errors);
        if (errors.Count > 0) return Result<double>.Fail(errors);
        if (!double.IsFinite(raw)) return Result<double>.Fail($"'{Text}' overflows for {context.Subject}: a step of it is too large to compute; use smaller numbers");
        var value = Round(raw, Kind);
        if (Minimum is { } min && value < min) value = min;
        if (Maximum is { } max && value > max) value = max;
        if (value <= 0)
            return Result<double>.Fail($"'{Text}' evaluates to {Format(value, Kind)} for {context.Subject}; it must be more than zero (add a bound such as 'min {Format(MinimumExample(Kind), Kind)}')");
        if (Kind == SizeKind.Share && value > 1)
            return Result<double>.Fail($"'{Text}' evaluates to {Format(value, Kind)} for {context.Subject}; a share cannot exceed 100%");
        return Result<double>.Ok(value);
    }

    /// <summary>Rounds a value the way a kind is applied: counts up to whole numbers, bytes up to whole MiB, rates up to whole bytes per second.</summary>
    public static double Round(double value, SizeKind kind) => kind switch
    {
        // A tiny tolerance keeps 2.0000000001 (floating-point noise) from becoming 3.
        SizeKind.Count => Math.Ceiling(value - 1e-9),
        SizeKind.Bytes => Math.Ceiling(value / MemorySize.MiB - 1e-9) * MemorySize.MiB,
        SizeKind.Rate => Math.Ceiling(value - 1e-9),
        _ => value,
    };

    /// <summary>Formats a value of a kind for people: <c>512 MiB</c>, <c>50 MiB/s</c>, <c>2</c>, <c>25 %</c>.</summary>
    public static string Format(double value, SizeKind kind) => kind switch
    {
        SizeKind.Bytes => value >= 0 && double.IsFinite(value) ? new MemorySize(value).ToString() : value.ToString(CultureInfo.InvariantCulture) + " B",
        SizeKind.Rate => value >= 0 && double.IsFinite(value) ? new ByteRate(value).ToString() : value.ToString(CultureInfo.InvariantCulture) + " B/s",
        SizeKind.Share => (value * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %",
        _ => value.ToString("0.##", CultureInfo.InvariantCulture),
    };

    private static double MinimumExample(SizeKind kind) => kind switch
    {
        SizeKind.Bytes => 256 * MemorySize.MiB,
        SizeKind.Rate => MemorySize.MiB,
        SizeKind.Share => 0.1,
        _ => 1,
    };

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>The unit a sub-expression is in while parsing: a plain number, bytes, or bytes per second.</summary>
internal enum Dimension
{
    Scalar,
    Bytes,
    Rate,
}

/// <summary>A node of a parsed size expression.</summary>
internal abstract record SizeNode
{
    public abstract Dimension Dimension { get; }

    public abstract double Evaluate(ISizeContext context, double? current, List<string> errors);

    public virtual bool Any(Func<SizeNode, bool> predicate) => predicate(this);
}

/// <summary>A number with its unit already applied (512MiB is 536870912 bytes).</summary>
internal sealed record NumberNode(double Value, Dimension Unit) : SizeNode
{
    public override Dimension Dimension => Unit;

    public override double Evaluate(ISizeContext context, double? current, List<string> errors) => Value;
}

/// <summary>A statistic of a metric of the VM's profile (<c>p95(memory)</c>).</summary>
internal sealed record StatisticNode(string Text, Metric Metric, SizeStatistic Statistic, double Quantile) : SizeNode
{
    public override Dimension Dimension => Metric switch
    {
        Metric.Memory => Dimension.Bytes,
        Metric.DiskRead or Metric.DiskWrite or Metric.NetworkReceive or Metric.NetworkTransmit => Dimension.Rate,
        _ => Dimension.Scalar,
    };

    public override double Evaluate(ISizeContext context, double? current, List<string> errors)
    {
        var value = context.Statistic(Metric, Statistic, Quantile);
        if (value is null)
        {
            errors.Add($"{Text} has no data: the profile of {context.Subject} has no {Metric.Name()} samples; collect metrics first or give an absolute size");
            return double.NaN;
        }
        return value.Value;
    }
}

/// <summary>The VM's current value of the field being sized (<c>current</c>).</summary>
internal sealed record CurrentNode(Dimension Unit) : SizeNode
{
    public override Dimension Dimension => Unit;

    public override double Evaluate(ISizeContext context, double? current, List<string> errors)
    {
        if (current is null)
        {
            errors.Add($"'current' has no value: the configuration of {context.Subject} does not record this setting");
            return double.NaN;
        }
        return current.Value;
    }
}

/// <summary>An arithmetic operation.</summary>
internal sealed record BinaryNode(char Operator, SizeNode Left, SizeNode Right, Dimension Result) : SizeNode
{
    public override Dimension Dimension => Result;

    public override double Evaluate(ISizeContext context, double? current, List<string> errors)
    {
        var left = Left.Evaluate(context, current, errors);
        var right = Right.Evaluate(context, current, errors);
        return Operator switch
        {
            '+' => left + right,
            '-' => left - right,
            '*' => left * right,
            '/' => right == 0 ? DivisionByZero(context, errors) : left / right,
            _ => throw new InvalidOperationException($"unknown operator {Operator}"),
        };
    }

    private static double DivisionByZero(ISizeContext context, List<string> errors)
    {
        errors.Add($"it divides by zero for {context.Subject}");
        return double.NaN;
    }

    public override bool Any(Func<SizeNode, bool> predicate) => predicate(this) || Left.Any(predicate) || Right.Any(predicate);
}
