namespace Vmorph.Identity;

/// <summary>
/// The seed's <c>BaseImageID</c>: the image a VM was created from (for libvirt guests, the backing file at the bottom of
/// the boot disk's chain). <see cref="Unknown"/> where the source cannot tell, as with every public trace.
/// </summary>
public readonly record struct BaseImageId(string Value)
{
    /// <summary>The image is not known.</summary>
    public static BaseImageId Unknown { get; } = new("unknown");

    /// <summary>Whether the image is known.</summary>
    public bool IsKnown => Value != Unknown.Value && !string.IsNullOrEmpty(Value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
