namespace Vmorph.Server.Access;

/// <summary>
/// <c>vmorph serve</c> was asked for something it refuses (plain HTTP beyond loopback, an https URL without a
/// certificate, a certificate that does not load): every problem found, one per line, each saying what to do.
/// </summary>
public sealed class ServeConfigurationException(IReadOnlyList<string> errors) : Exception(string.Join("\n", errors))
{
    /// <summary>Every problem found.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
