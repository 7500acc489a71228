using System.Threading.Channels;
using Vmorph.Configuration;
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
public sealed record ImportSummary(int Files, int FilesSkipped, long Rows, long MissingRows, long SkippedRows, int Vms, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// Rows of the files imported now that added nothing: their VM and time were imported before (a re-encoded copy of
    /// a trace, an overlapping file) or came twice in one file.
    /// </summary>
    public long DuplicateRows { get; init; }
}

/// <summary>
/// Loads trace files into the store: each file is read and folded into the profiles of its VMs and written in one
/// transaction, so a failure leaves the store as it was before that file. Imports are keyed by content: a VM's samples
/// by time (<see cref="ImportedSpans"/>), so a re-encoded copy of a trace or a row given twice adds nothing, and months
/// fold to the same profile in any order; a file whose bytes were imported before is skipped without being read.
/// Files are read on a second thread while the previous one is folded and written.
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
            // A path that is not a regular file (a FIFO, a device, a link loop) is never opened here: the reader refuses
            // it in its turn, so the files before it are still stored, as for any file that fails to read.
            if (RegularFile.Problem(path) is not null)
            {
                toRead.Add(path);
                continue;
            }
            var known = await store.FindImportAsync(Fingerprint(path, cancellationToken), cancellationToken);
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
        long rows = 0, missing = 0, malformed = 0, duplicates = 0;
        var vms = new HashSet<VmId>();
        var notes = new List<string>();
        var loaded = new Dictionary<VmId, VmState>();
        var importedNow = new HashSet<string>(StringComparer.Ordinal);
        foreach (var known in alreadyImported)
        {
            skipped++;
            done++;
            progress?.Report(new ImportProgress(done, files.Count, known.Path, known.Rows, Skipped: true));
        }
        try
        {
            // Folding and encoding run on the thread pool, one chain per VM (a VM's files fold in order), so several
            // VMs are folded at once; this thread only loads, checks and writes, in file order.
            var inFlight = new Queue<(TraceFile File, Task<Prepared[]> Prepared)>();
            async Task SaveOldestAsync()
            {
                var (file, preparing) = inFlight.Dequeue();
                var prepared = await preparing;
                await SaveFileAsync(file, prepared, loaded, cancellationToken);
                rows += file.Rows;
                missing += file.MissingRows;
                malformed += file.SkippedRows;
                foreach (var note in file.Notes) if (!notes.Contains(note)) notes.Add(note);
                foreach (var p in prepared)
                {
                    duplicates += p.Duplicates;
                    if (p.Encoded is not null) vms.Add(p.State.Profile.Id);
                }
                done++;
                progress?.Report(new ImportProgress(done, files.Count, file.Path, file.Rows, Skipped: false));
            }
            await foreach (var result in channel.Reader.ReadAllAsync(cancellationToken))
            {
                if (result.Error is not null)
                {
                    // Every file before the bad one is stored; then the error.
                    while (inFlight.Count > 0) await SaveOldestAsync();
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(result.Error);
                }
                var file = result.File!;
                // The same bytes may be named twice on one command line (or sit under two paths): import them once.
                if (!importedNow.Add(file.Sha256) || await store.FindImportAsync(file.Sha256, cancellationToken) is not null)
                {
                    skipped++;
                    done++;
                    progress?.Report(new ImportProgress(done, files.Count, file.Path, file.Rows, Skipped: true));
                    continue;
                }
                await LoadUnknownAsync(file, loaded, cancellationToken);
                inFlight.Enqueue((file, Prepare(file, loaded)));
                if (inFlight.Count > Environment.ProcessorCount * 2) await SaveOldestAsync();
            }
            while (inFlight.Count > 0) await SaveOldestAsync();
        }
        finally
        {
            await readCancellation.CancelAsync();
            try { await producer; } catch (OperationCanceledException) { }
        }
        return new ImportSummary(done, skipped, rows, missing, malformed, vms.Count, notes) { DuplicateRows = duplicates };
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

    /// <summary>SHA-256 of a file's bytes, as <see cref="TraceFile.Sha256"/> records it; cancelled between chunks.</summary>
    public static string Fingerprint(string path, CancellationToken cancellationToken = default)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[FingerprintChunk];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buffer.AsSpan(0, read));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private const int FingerprintChunk = 1 << 20;

    // A VM's profile is read from the store once per run and kept: the next file of the same VM (another month)
    // folds into it without decoding it again.
    private async Task LoadUnknownAsync(TraceFile file, Dictionary<VmId, VmState> loaded, CancellationToken cancellationToken)
    {
        var unknown = file.Series.Select(s => s.Vm).Where(id => !loaded.ContainsKey(id)).Distinct().ToList();
        if (unknown.Count == 0) return;
        var stored = await store.LoadAsync(unknown, cancellationToken);
        foreach (var id in unknown)
        {
            var series = file.Series.First(s => s.Vm == id);
            loaded[id] = stored.TryGetValue(id, out var found)
                ? new VmState(found.Profile, await store.LoadRecentAsync(id, cancellationToken) ?? new RecentSamples(), found.Version)
                {
                    Spans = await store.LoadSpansAsync(id, cancellationToken),
                }
                : new VmState(
                    new PersonalityProfile(id, series.Name, "trace:" + file.Format)
                    {
                        GuestViewMissing = "traces carry no in-guest view: applications, network peers, data footprint and user behaviour are not observed",
                    },
                    new RecentSamples(),
                    null);
        }
    }

    // Folds a file into its VMs' profiles after the VMs' earlier files, and encodes the result. Only what is new is
    // folded: a sample, missing row or configuration at a time inside the VM's imported spans is known already, and a
    // time given twice in the file counts once (the first row wins).
    private static Task<Prepared[]> Prepare(TraceFile file, Dictionary<VmId, VmState> loaded)
    {
        var states = file.Series.Select(s => loaded[s.Vm]).ToArray();
        var before = states.Select(s => s.Chain).Distinct().ToArray();
        var task = Task.WhenAll(before).ContinueWith(_ => file.Series.Select((series, i) =>
        {
            var state = states[i];
            var known = state.Spans;
            var samples = New(series.Samples, s => s.UnixSeconds, known);
            var missing = New(series.MissingTimes, t => t, known);
            var configurations = series.Configurations.Where(c => !known.Covers(c.When.ToUnixTimeSeconds())).ToList();
            // A reader that gives no times for its missing rows has them all counted as new.
            var missingRows = series.MissingTimes.Count == series.MissingRows ? missing.Count : series.MissingRows;
            var duplicates = series.Samples.Count - samples.Count + (series.MissingRows - missingRows);
            if (samples.Count == 0 && missingRows == 0 && configurations.Count == 0) return new Prepared(state, null, duplicates);

            var profile = state.Profile;
            foreach (var configuration in configurations) profile.Fold(configuration);
            foreach (var sample in samples) profile.Fold(sample);
            for (var m = 0; m < missingRows; m++) profile.Performance.FoldMissing();
            state.Window.AddRange(samples.Count > state.Window.Capacity ? samples.Skip(samples.Count - state.Window.Capacity) : samples);
            state.Spans = known.With(Merged(samples, missing));
            return new Prepared(state, EncodedProfile.Of(profile, state.Window), duplicates) { Spans = state.Spans };
        }).ToArray(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        foreach (var state in states) state.Chain = task;
        return task;
    }

    // The items (oldest first) whose time is outside the known spans, each time once: the list itself when that is all
    // of them (the usual case, which copies nothing).
    private static IReadOnlyList<T> New<T>(IReadOnlyList<T> items, Func<T, long> timeOf, ImportedSpans known)
    {
        var allNew = true;
        for (var i = 0; i < items.Count && allNew; i++)
            allNew = (i == 0 || timeOf(items[i]) != timeOf(items[i - 1])) && !known.Covers(timeOf(items[i]));
        if (allNew) return items;
        var kept = new List<T>(items.Count);
        var previous = long.MinValue;
        var first = true;
        foreach (var item in items)
        {
            var t = timeOf(item);
            if ((!first && t == previous) || known.Covers(t)) continue;
            kept.Add(item);
            previous = t;
            first = false;
        }
        return kept;
    }

    private static List<long> Merged(IReadOnlyList<MetricSample> samples, IReadOnlyList<long> missing)
    {
        var times = new List<long>(samples.Count + missing.Count);
        foreach (var s in samples) times.Add(s.UnixSeconds);
        if (missing.Count == 0) return times;
        times.AddRange(missing);
        times.Sort();
        return times;
    }

    private async Task SaveFileAsync(TraceFile file, Prepared[] prepared, Dictionary<VmId, VmState> loaded, CancellationToken cancellationToken)
    {
        var changed = prepared.Where(p => p.Encoded is not null).ToList();
        var updates = changed.Select(p => new ProfileUpdate(p.State.Profile, p.State.Version, [], p.State.Window)
        {
            Encoded = p.Encoded,
            ReplaceConfigurationHistory = true,
            Spans = p.Spans,
        }).ToList();
        var record = new ImportRecord(file.Sha256, file.Path, file.Format, file.Rows, file.MissingRows, file.SkippedRows, file.Series.Count, clock.GetUtcNow());
        await store.SaveAsync(updates, record, cancellationToken);
        foreach (var p in changed) p.State.Version = IFleetStore.VersionAfterSave(p.State.Version);
    }

    private sealed class VmState(PersonalityProfile profile, RecentSamples window, long? version)
    {
        public ImportedSpans Spans { get; set; } = ImportedSpans.None;

        public PersonalityProfile Profile { get; } = profile;
        public RecentSamples Window { get; } = window;
        public long? Version { get; set; } = version;
        public Task Chain { get; set; } = Task.CompletedTask;
    }

    // Encoded is null when the file held nothing new for the VM; Duplicates counts its rows known already.
    private sealed record Prepared(VmState State, EncodedProfile? Encoded, long Duplicates)
    {
        public ImportedSpans? Spans { get; init; }
    }
}
