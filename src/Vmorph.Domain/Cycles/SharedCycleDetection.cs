using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Vmorph.Cycles;

/// <summary>
/// <see cref="CycleDetector.Detect(CycleHistory)"/> done once for rings of the same content, however many callers ask.
/// A replay scores several policies on the same VMs: each policy's engine folds the same trace into rings of the same
/// content and asks on the same days, and the detection (a few spectra and their noise fits) was a third of the
/// replay's CPU. The rings are keyed by the SHA-256 of their encoding, which is lossless (every bin's mean and count
/// and the newest bin: all the detector reads), so two rings share a result only when the detector would give both
/// the same. Thread-safe; each content is detected once even when asked from several threads at once.
/// </summary>
public sealed class SharedCycleDetection
{
    private readonly ConcurrentDictionary<UInt128, Lazy<DominantCycle?>> detected = new();

    /// <summary>How many different ring contents were detected.</summary>
    public int Detections => detected.Count;

    /// <summary>The dominant cycle of the rings, detected once per content.</summary>
    public DominantCycle? Detect(CycleHistory history)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(history.Encode(), hash);
        var key = new UInt128(BinaryPrimitives.ReadUInt64LittleEndian(hash), BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]));
        return detected.GetOrAdd(key, _ => new Lazy<DominantCycle?>(() => CycleDetector.Detect(history))).Value;
    }
}
