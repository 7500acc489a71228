using System.Text;
using Vmorph.Guest.Parsing;
using Vmorph.Guest.Scripts;
using Vmorph.Guest.Shell;
using Vmorph.Observations;

namespace Vmorph.Guest;

/// <summary>What was read from inside a machine.</summary>
/// <param name="Snapshot">The inventory, or null when it could not be read (see <paramref name="Failure"/>).</param>
/// <param name="Failure">Why there is no inventory: names the machine and what failed.</param>
/// <param name="Problems">What went wrong without losing the inventory (a scan path that does not exist, a scan cut short).</param>
/// <param name="Elapsed">How long it took, round trips included.</param>
public sealed record GuestRead(InventorySnapshot? Snapshot, string? Failure, IReadOnlyList<string> Problems, TimeSpan Elapsed)
{
    /// <summary>Whether the inventory was read.</summary>
    public bool IsSuccess => Snapshot is not null;
}

/// <summary>
/// Reads what runs inside a machine through an <see cref="IGuestShell"/>: runs the inventory script (and, when asked,
/// the footprint script) with <c>/bin/sh -c SCRIPT NAME ARG...</c>, the arguments as separate argv entries, and parses
/// their output on this side. The same code serves the QEMU guest agent and <c>vmorph agent</c>.
/// </summary>
public sealed class GuestInventoryReader(IGuestShell shell, TimeProvider clock)
{
    /// <summary>Reads the inventory and, if <see cref="GuestReadOptions.Footprint"/>, the data footprint.</summary>
    public async Task<GuestRead> ReadAsync(GuestReadOptions options, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var invalid = options.Validate();
        if (invalid.Count > 0) return new GuestRead(null, $"{shell.Target}: " + string.Join("; ", invalid), [], TimeSpan.Zero);

        var at = clock.GetUtcNow();
        var run = await shell.RunAsync(GuestScripts.Guarded(GuestScripts.Inventory, "vmorph-inventory", [], options.Timeout, options.Timeout), cancellationToken);
        if (!run.IsSuccess) return new GuestRead(null, string.Join("; ", run.Errors), [], clock.GetElapsedTime(started));
        var output = run.Value;
        if (output.ExitCode != 0)
            return new GuestRead(null, $"{shell.Target}: the inventory script exited with {output.ExitCode}: {Shell.QemuAgentShell.Excerpt(Encoding.UTF8.GetString(output.Stderr))}", [], clock.GetElapsedTime(started));
        if (output.Truncated)
            return new GuestRead(null, $"{shell.Target}: the guest agent cut the inventory short ({output.Stdout.Length} bytes); nothing of it is used", [], clock.GetElapsedTime(started));
        var parsed = InventoryParser.Parse(Encoding.UTF8.GetString(output.Stdout), at, shell.Target);
        if (!parsed.IsSuccess) return new GuestRead(null, string.Join("; ", parsed.Errors), [], clock.GetElapsedTime(started));
        var snapshot = parsed.Value;

        var problems = new List<string>();
        if (options.Footprint)
        {
            var scan = await ScanAsync(options, cancellationToken);
            if (scan.IsSuccess)
            {
                snapshot = snapshot with { Footprint = scan.Value };
                problems.AddRange(scan.Value.Problems);
            }
            else
            {
                problems.AddRange(scan.Errors.Select(e => "data footprint not scanned: " + e));
            }
        }
        return new GuestRead(snapshot, null, problems, clock.GetElapsedTime(started));
    }

    /// <summary>Runs the footprint script alone.</summary>
    public async Task<Result<FootprintScan>> ScanAsync(GuestReadOptions options, CancellationToken cancellationToken)
    {
        var paths = options.ScanPaths ?? GuestReadOptions.DefaultScanPaths;
        var mode = options.ScanPaths is null ? "default" : "explicit";
        // The scan stops itself at its time budget; the guest kills it half a time-out later if it did not (a file
        // that blocks a read), and this side waits a whole time-out more, which leaves room for the round trips.
        var budget = TimeSpan.FromSeconds(options.Budget.MaxSeconds);
        var run = await shell.RunAsync(GuestScripts.Guarded(GuestScripts.Footprint, "vmorph-footprint", [mode, .. options.Budget.Arguments(), .. paths],
            budget + (options.Timeout / 2), budget + options.Timeout), cancellationToken);
        if (!run.IsSuccess) return Result<FootprintScan>.Fail(run.Errors);
        if (run.Value.ExitCode == 137)
            return Result<FootprintScan>.Fail($"{shell.Target}: the footprint scan overran its budget of {options.Budget.MaxSeconds} s and was killed in the guest");
        if (run.Value.Truncated) return Result<FootprintScan>.Fail($"{shell.Target}: the guest agent cut the footprint output short");
        return FootprintParser.Parse(Encoding.UTF8.GetString(run.Value.Stdout), paths, options.Budget, shell.Target);
    }
}
