namespace Vmorph.Triggers;

/// <summary>
/// How many times each named event happened (a decision's trigger and verdict, a gate's rule, a schedule fired), for
/// one VM's loop: a few names a VM, incremented often, read rarely.
/// </summary>
/// <remarks>
/// Every VM holds its own, so they are kept small: one array of (name, count) pairs that grows by one for each new
/// name (a new name is rare), searched in order, with the names interned, so that 100,000 VMs' "gate.hysteresis"
/// is one string. A dictionary would hold its buckets and entries' hashes and links besides, about twice the bytes
/// for the ten names a VM collects.
/// </remarks>
public sealed class EventCounts
{
    private (string Name, long Count)[] counts = [];

    /// <summary>Counts one more of the event named.</summary>
    public void Increment(string name)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            if (!string.Equals(counts[i].Name, name, StringComparison.Ordinal)) continue;
            counts[i].Count++;
            return;
        }
        Array.Resize(ref counts, counts.Length + 1);
        counts[^1] = (string.Intern(name), 1);
    }

    /// <summary>The counts, under their names, added into a dictionary.</summary>
    public void CopyTo(IDictionary<string, long> into)
    {
        foreach (var (name, count) in counts) into[name] = count;
    }
}
