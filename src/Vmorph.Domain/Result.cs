namespace Vmorph;

/// <summary>
/// The outcome of an operation whose failure is expected (bad input, an infeasible request): a value, or every error
/// found, each naming what and where. Bugs throw; these do not.
/// </summary>
public sealed class Result<T>
{
    private readonly T? value;

    private Result(T? value, IReadOnlyList<string> errors)
    {
        this.value = value;
        Errors = errors;
    }

    /// <summary>The errors; empty on success.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Whether it succeeded.</summary>
    public bool IsSuccess => Errors.Count == 0;

    /// <summary>The value; throws if it failed (a bug: check <see cref="IsSuccess"/> first).</summary>
    public T Value => IsSuccess ? value! : throw new InvalidOperationException("no value: " + string.Join("; ", Errors));

    /// <summary>A success.</summary>
    public static Result<T> Ok(T value) => new(value, []);

    /// <summary>A failure with one or more errors.</summary>
    public static Result<T> Fail(IReadOnlyList<string> errors) =>
        errors.Count == 0 ? throw new ArgumentException("a failure needs at least one error", nameof(errors)) : new(default, errors);

    /// <summary>A failure with one error.</summary>
    public static Result<T> Fail(string error) => Fail([error]);
}
