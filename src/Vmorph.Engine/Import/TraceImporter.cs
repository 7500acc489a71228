using System.Threading.Channels;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Sources;
using Vmorph.Store;

namespace Vmorph.Import;

/// <summary>Progress of an import, reported after each file.</summary>
public sealed record ImportProgress(int FilesDone, int FilesTotal, string File, long Rows, bool Skipped);

/// <summary>What an import did.</summary>
/// <param name="Files">Files found.</param>
/// <param name="FilesSkipped">Files whose content was imported before.</param>
/// <param name="Rows">Data rows read from the files imported now.</param>
/// <param name="MissingRows">Rows marking missing data.</param>
/// <param name="SkippedRows">Malformed rows skipped.</param>
/// <param name="Vms">VMs changed by this import.</param>
/// <param name="Notes">What the readers want a person to know about the data.</param>
public sealed record ImportSummary(int Files, int FilesSkipped, long Rows, long MissingRows, long SkippedRows, int Vms, IReadOnlyList<string> Notes);

/// <summary>
/// Loads trace files into the store: each file is read and folded into the profiles of its VMs and written in one
/// transaction, so a failure leaves the store as it was before that file. A file whose bytes were imported before is
/// skipped, so importing the same files twice changes nothing. Files are read on a second thread while the previous
/// one is folded and written.
/// </summary>
public sealed class TraceImporter(ITraceReader reader, IFleetStore store, TimeProvider clock)
{
    /// <summary>Imports the trace files under <paramref name="paths"/>.</summary>
    public async Task<ImportSummary> ImportAsync(
        IEnumerable<string> paths,
        TraceReadOptions options,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        var files = reader.Expand(paths);
        // Hashing is cheap next to parsing: files imported before are skipped without being read.
        var toRead = new List<string>(files.Count);
        var alreadyImported = new List<ImportRecord>();
        foreach (var path in files)
        {
            var known = await store.FindImportAsync(Fingerprint(path), cancellationToken);
            if (known is null) toRead.Add(path);
            else alreadyImported.Add(known);
        }
        var channel = Channel.CreateBounded<ReadResult>(new BoundedChannelOptions(Math.Max(1, Environment.ProcessorCount)) { SingleWriter = true, SingleReader = true });
        using var readCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            // PLINQ keeps file order while reading ahead on every core; the bounded channel holds the read-ahead to a
            // few files. A file that fails to read is handed over in its place, so every file before it is still stored.
            var read = toRead.AsParallel().AsOrdered()
                .WithDegreeOfParallelism(Math.Max(1, Environment.ProcessorCount))
                .WithMergeOptions(ParallelMergeOptions.NotBuffered)
                .Select(path => ReadResult.Of(() => reader.Read(path, options, readCancellation.Token)));
            try
            {
                foreach (var result in read)
                {
                    await channel.Writer.WriteAsync(result, readCancellation.Token);
                    if (result.Error is not null) break;
                }
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, readCancellation.Token);

        int done = 0, skipped = 0;
        long rows = 0, missing = 0, malformed = 0;
        var vms = new HashSet<VmId>();
        var notes = new List<string>();
        var loaded = new Dictionary<VmId, Loaded>();
        foreach (var known in alreadyImported)
        {
            skipped++;
            done++;
            progress?.Report(new ImportProgress(done, files.Count, known.Path, known.Rows, Skipped: true));
        }
        try
        {
            await foreach (var result in channel.Reader.ReadAllAsync(cancellationToken))
            {
                if (result.Error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(result.Error);
                var file = result.File!;
                // The same bytes may be named twice on one command line (or sit under two paths): import them once.
                var already = await store.FindImportAsync(file.Sha256, cancellationToken);
                if (already is null)
                {
                    await ImportFileAsync(file, loaded, cancellationToken);
                    rows += file.Rows;
                    missing += file.MissingRows;
                    malformed += file.SkippedRows;
                    foreach (var note in file.Notes) if (!notes.Contains(note)) notes.Add(note);
                    foreach (var series in file.Series) vms.Add(series.Vm);
                }
                else
                {
                    skipped++;
                }
                done++;
                progress?.Report(new ImportProgress(done, files.Count, file.Path, file.Rows, already is not null));
            }
        }
        finally
        {
            await readCancellation.CancelAsync();
            try { await producer; } catch (OperationCanceledException) { }
        }
        return new ImportSummary(done, skipped, rows, missing, malformed, vms.Count, notes);
    }

    private sealed record ReadResult(TraceFile? File, Exception? Error)
    {
        public static ReadResult Of(Func<TraceFile> read)
        {
            try
            {
                return new ReadResult(read(), null);
            }
            catch (Exception e)
            {
                return new ReadResult(null, e);
            }
        }
    }

    /// <summary>SHA-256 of a file's bytes, as <see cref="TraceFile.Sha256"/> records it.</summary>
    public static string Fingerprint(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    private async Task ImportFileAsync(TraceFile file, Dictionary<VmId, Loaded> loaded, CancellationToken cancellationToken)
    {
        // A VM's profile is read from the store once per run and kept: the next file of the same VM (another month)
        // folds into it without decoding it again.
        var unknown = file.Series.Select(s => s.Vm).Where(id => !loaded.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            var stored = await store.LoadAsync(unknown, cancellationToken);
            foreach (var (id, profile) in stored)
                loaded[id] = new Loaded(profile.Profile, profile.Version, await store.LoadRecentAsync(id, cancellationToken) ?? new RecentSamples());
        }

        var updates = new List<ProfileUpdate>(file.Series.Count);
        foreach (var series in file.Series)
        {
            var existing = loaded.GetValueOrDefault(series.Vm);
            var profile = existing?.Profile ?? new PersonalityProfile(series.Vm, series.Name, "trace:" + file.Format)
            {
                GuestViewMissing = "traces carry no in-guest view: applications, network peers, data footprint and user behaviour are not observed",
            };
            var versionsBefore = profile.ConfigurationHistory.Versions.Count;
            foreach (var configuration in series.Configurations) profile.Fold(configuration);
            foreach (var sample in series.Samples) profile.Fold(sample);
            for (var i = 0; i < series.MissingRows; i++) profile.Performance.FoldMissing();

            var window = existing?.Window ?? new RecentSamples();
            window.AddRange(series.Samples.Count > window.Capacity ? series.Samples.Skip(series.Samples.Count - window.Capacity) : series.Samples);
            updates.Add(new ProfileUpdate(profile, existing?.Version, [.. profile.ConfigurationHistory.Versions.Skip(versionsBefore)], window));
        }
        var record = new ImportRecord(file.Sha256, file.Path, file.Format, file.Rows, file.MissingRows, file.SkippedRows, file.Series.Count, clock.GetUtcNow());
        await store.SaveAsync(updates, record, cancellationToken);
        foreach (var update in updates)
            loaded[update.Profile.Id] = new Loaded(update.Profile, IFleetStore.VersionAfterSave(update.ExpectedVersion), update.Recent!);
    }

    private sealed record Loaded(PersonalityProfile Profile, long Version, RecentSamples Window);
}
