namespace Vmorph.Traces.Reading;

/// <summary>
/// The compressed bytes of a trace end early or do not decompress. Kept apart from <see cref="InvalidDataException"/>
/// so that the reader can tell a damaged file from any other invalid data and say which one it is.
/// </summary>
internal sealed class CorruptCompressedDataException(string message, Exception? inner = null) : Exception(message, inner);
