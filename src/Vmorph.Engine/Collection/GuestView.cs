using Vmorph.Observations;

namespace Vmorph.Collection;

/// <summary>What to read from inside a guest this cycle.</summary>
/// <param name="Footprint">Whether to run the data-footprint scan.</param>
/// <param name="ScanPaths">The paths to scan; null for the defaults (missing defaults are skipped quietly).</param>
public sealed record GuestViewRequest(bool Footprint, IReadOnlyList<string>? ScanPaths);

/// <summary>The guest seen from inside, or why it could not be.</summary>
/// <param name="Snapshot">The inventory, or null.</param>
/// <param name="Missing">Why there is no inventory, naming the VM and what failed (no agent, a time-out, garbage).</param>
/// <param name="Problems">Problems that did not prevent the inventory (a scan path that does not exist).</param>
/// <param name="Elapsed">Time taken, round trips included.</param>
public sealed record GuestView(InventorySnapshot? Snapshot, string? Missing, IReadOnlyList<string> Problems, TimeSpan Elapsed)
{
    /// <summary>A guest view that could not be had.</summary>
    public static GuestView Unavailable(string reason) => new(null, reason, [], TimeSpan.Zero);
}
