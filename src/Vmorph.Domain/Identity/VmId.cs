namespace Vmorph.Identity;

/// <summary>
/// The seed's <c>VMID</c>: a stable, unique identifier of a virtual machine. For libvirt guests it is the domain UUID;
/// for trace replays it is the data set and the trace's own name (<c>bitbrains:17</c>).
/// </summary>
public readonly record struct VmId
{
    /// <summary>The longest identifier accepted.</summary>
    public const int MaxLength = 200;

    /// <summary>Creates an identifier; it must be 1 to 200 printable characters.</summary>
    public VmId(string value)
    {
        if (!IsValid(value, out var reason))
            throw new ArgumentException($"VM id '{value}' is not valid: {reason}.", nameof(value));
        Value = value;
    }

    /// <summary>The identifier text.</summary>
    public string Value { get; }

    /// <summary>Checks an identifier without throwing, saying why it is not valid.</summary>
    public static bool IsValid(string? value, out string reason)
    {
        if (string.IsNullOrWhiteSpace(value)) { reason = "it is empty"; return false; }
        if (value.Length > MaxLength) { reason = $"it is longer than {MaxLength} characters"; return false; }
        if (value.Any(char.IsControl)) { reason = "it contains a control character"; return false; }
        if (value != value.Trim()) { reason = "it starts or ends with white space"; return false; }
        reason = "";
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Value;
}
