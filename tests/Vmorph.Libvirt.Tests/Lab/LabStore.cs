using Spectre.Console.Testing;
using Vmorph.Cli.Hosting;
using Vmorph.Collection;
using Vmorph.Guest.Privacy;
using Vmorph.Profiles;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Libvirt.Tests.Lab;

/// <summary>A temporary data directory with a store, a collector over the lab, and the CLI run in-process on it.</summary>
public sealed class LabStore : IDisposable
{
    public LabStore() => DataDirectory = Directory.CreateTempSubdirectory("vmorph-lab-test-").FullName;

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "vmorph.db");

    public List<string> Log { get; } = [];

    /// <summary>
    /// One collection cycle over the named lab guests, with its own store connection (closed afterwards); in-guest
    /// evidence fades with <paramref name="evidenceHalfLife"/> (the built-in day when null); <paramref name="guestTimeout"/>
    /// sets the guest view's time-out (10 s when null) and <paramref name="scanInterval"/> the time between two scans
    /// of a guest (every cycle when null); <paramref name="sampleWindow"/> the time between the two readings of a sample
    /// (300 ms when null).
    /// </summary>
    public async Task<CycleReport> CollectAsync(string[] domains, IReadOnlyList<string>? scanPaths = null, TimeSpan? evidenceHalfLife = null,
        TimeSpan? guestTimeout = null, TimeSpan? scanInterval = null, TimeSpan? sampleWindow = null)
    {
        using var store = SqliteFleetStore.Open(DatabasePath, TimeProvider.System);
        var key = AnonymisationKeyFile.LoadOrCreate(DataDirectory);
        var options = new CollectorOptions { Uri = LabFixture.Uri, Domains = domains, ScanPaths = scanPaths, ScanInterval = scanInterval ?? TimeSpan.Zero, SampleWindow = sampleWindow ?? TimeSpan.FromMilliseconds(300), EvidenceHalfLife = evidenceHalfLife ?? Recency.DefaultHalfLife };
        var guest = new Vmorph.Guest.GuestReadOptions { Timeout = guestTimeout ?? TimeSpan.FromSeconds(10), ScanPaths = scanPaths };
        await using var collector = new Collector(new LibvirtHypervisor(TimeProvider.System, guest), store, TimeProvider.System, options, key, Log.Add);
        return await collector.CollectOnceAsync(CancellationToken.None);
    }

    public async Task<PersonalityProfile> ProfileAsync(string name)
    {
        using var store = SqliteFleetStore.Open(DatabasePath, TimeProvider.System);
        var found = await store.FindAsync(name, CancellationToken.None);
        return found?.Profile ?? throw new InvalidOperationException($"no profile named {name} in the store");
    }

    /// <summary>Runs vmorph in-process on this data directory with the real clock.</summary>
    public async Task<(int Exit, string Out, string Error)> CliAsync(params string[] args)
    {
        var console = new TestConsole { EmitAnsiSequences = false };
        console.Profile.Width = 240;
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string?> { ["VMORPH_DATA_DIR"] = DataDirectory, ["HOME"] = DataDirectory };
        var context = new CliContext(console, output, error, TimeProvider.System, environment);
        var exit = await VmorphApp.RunAsync(args, context, CancellationToken.None);
        return (exit, output + console.Output, error.ToString());
    }

    /// <summary>Every byte the store keeps on disk (database, WAL, shared memory).</summary>
    public byte[] StoreBytes() =>
        [.. Directory.EnumerateFiles(DataDirectory, "vmorph.db*").SelectMany(File.ReadAllBytes)];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
