using Vmorph.Store;

namespace Vmorph.Loop.Hosting;

/// <summary>
/// The grains' profile saves, written many to a transaction: the saves asked for while one transaction is being
/// written go together in the next, and a transaction waits a moment (<see cref="Linger"/>) for <see cref="GroupSize"/>
/// saves to gather before it starts, so a cycle of 10,000 VMs costs a few hundred commits rather than 10,000. (Without
/// the wait the writer kept up with the grains and wrote about four VMs a transaction: every commit rewrites the
/// tables' upper pages, takes the write-ahead log's locks and checks for a checkpoint.) Each update
/// keeps its own version check: when one VM was changed by another writer (a morph recording its configuration),
/// the batch is written again in halves until only that VM's save fails, with its <see cref="ConcurrencyException"/>,
/// and the others are saved.
/// </summary>
/// <param name="store">The store the saves go to.</param>
/// <param name="linger">How long a transaction waits for <see cref="GroupSize"/> saves to gather (<see cref="Linger"/> unless given).</param>
public sealed class BatchedProfileSaves(IFleetStore store, TimeSpan? linger = null)
{
    /// <summary>The most updates written in one transaction.</summary>
    public const int MaxBatch = 500;

    /// <summary>How many saves a transaction waits for, at most <see cref="Linger"/>, before it starts.</summary>
    public const int GroupSize = 64;

    /// <summary>
    /// The longest a transaction waits for <see cref="GroupSize"/> saves: a save asked for alone waits this long more.
    /// Real time, not the server's clock: it paces the writer, and decides nothing.
    /// </summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(2);

    private readonly TimeSpan wait = linger ?? Linger;

    private readonly Lock gate = new();
    private List<PendingSave> queued = [];
    private bool writing;
    // Completed when GroupSize saves are queued, while the writer waits for them.
    private TaskCompletionSource? gathered;

    /// <summary>Saves one VM's update with others asked for at about the same time; completes once it is committed.</summary>
    /// <exception cref="ConcurrencyException">The VM was changed by another writer since <see cref="ProfileUpdate.ExpectedVersion"/>.</exception>
    public Task SaveAsync(ProfileUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var pending = new PendingSave(update, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (gate)
        {
            queued.Add(pending);
            if (gathered is not null && queued.Count >= GroupSize)
            {
                gathered.TrySetResult();
                gathered = null;
            }
            if (writing) return pending.Saved.Task;
            writing = true;
        }
        // The writer runs on the thread pool, never on the scheduler of the grain that happened to start it.
        _ = Task.Run(WriteAsync);
        return pending.Saved.Task;
    }

    private async Task WriteAsync()
    {
        // Whether the writer has waited for a group since its last transaction: it waits once, then writes what came.
        var waited = false;
        while (true)
        {
            List<PendingSave>? batch = null;
            Task? group = null;
            lock (gate)
            {
                if (queued.Count == 0)
                {
                    writing = false;
                    return;
                }
                if (queued.Count < GroupSize && !waited)
                {
                    gathered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    group = gathered.Task;
                }
                else
                {
                    batch = queued.Count <= MaxBatch ? queued : queued[..MaxBatch];
                    queued = queued.Count <= MaxBatch ? [] : queued[MaxBatch..];
                }
            }
            if (batch is null)
            {
                await Task.WhenAny(group!, Task.Delay(wait));
                lock (gate) gathered = null;
                waited = true;
                continue;
            }
            waited = false;
            await WriteAsync(batch);
        }
    }

    private async Task WriteAsync(List<PendingSave> batch)
    {
        try
        {
            await store.SaveAsync([.. batch.Select(p => p.Update)], null, CancellationToken.None);
            foreach (var pending in batch) pending.Saved.TrySetResult();
        }
        catch (ConcurrencyException e) when (batch.Count == 1)
        {
            batch[0].Saved.TrySetException(e);
        }
        catch (ConcurrencyException)
        {
            // Nothing of the batch was saved: write each half again, so that only the VMs that moved fail (a few
            // transactions per VM that moved, not one per VM of the batch).
            await WriteAsync(batch[..(batch.Count / 2)]);
            await WriteAsync(batch[(batch.Count / 2)..]);
        }
        catch (Exception e)
        {
            foreach (var pending in batch) pending.Saved.TrySetException(e);
        }
    }

    private sealed record PendingSave(ProfileUpdate Update, TaskCompletionSource Saved);
}
