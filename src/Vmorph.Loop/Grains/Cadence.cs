namespace Vmorph.Loop.Grains;

/// <summary>
/// Work done once every <see cref="Every"/> samples, at a phase of its own: the grains of a fleet, activated together,
/// spread their profile documents and window compactions over the cycles instead of all writing them in the same one.
/// The phase is kept whatever else writes meanwhile: a save forced early (a VM's first, a new configuration version)
/// counts as a sample like any other, so that a fleet-wide event (the first cycle, a wave of morphs) does not line
/// the fleet up again.
/// </summary>
internal struct Cadence
{
    private int left;

    /// <summary>A cadence whose first turn comes after 1 to <paramref name="every"/> samples, by <paramref name="phase"/>.</summary>
    public Cadence(int every, uint phase)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        Every = every;
        left = (int)(phase % (uint)every) + 1;
    }

    /// <summary>How many samples apart its turns are.</summary>
    public int Every { get; }

    /// <summary>Whether the sample being saved is this cadence's turn.</summary>
    public readonly bool Due => left <= 1;

    /// <summary>Counts one saved sample: after its turn, the next is <see cref="Every"/> samples on.</summary>
    public void Advance() => left = left <= 1 ? Every : left - 1;
}
