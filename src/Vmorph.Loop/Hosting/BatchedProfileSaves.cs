using Vmorph.Store;

namespace Vmorph.Loop.Hosting;

/// <summary>
/// The grains' profile saves, written many to a transaction: the saves asked for while one transaction is being
/// written go together in the next, so a cycle of 10,000 VMs costs tens of commits rather than 10,000. Each update
/// keeps its own version check: when one VM was changed by another writer (a morph recording its configuration),
/// the batch is written again in halves until only that VM's save fails, with its <see cref="ConcurrencyException"/>,
/// and the others are saved.
/// </summary>
public sealed class BatchedProfileSaves(IFleetStore store)
{
    /// <summary>The most updates written in one transaction.</summary>
    public const int MaxBatch = 500;

    private readonly Lock gate = new();
    private List<PendingSave> queued = [];
    private bool writing;

    /// <summary>Saves one VM's update with others asked for at about the same time; completes once it is committed.</summary>
    /// <exception cref="ConcurrencyException">The VM was changed by another writer since <see cref="ProfileUpdate.ExpectedVersion"/>.</exception>
    public Task SaveAsync(ProfileUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var pending = new PendingSave(update, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (gate)
        {
            queued.Add(pending);
            if (writing) return pending.Saved.Task;
            writing = true;
        }
        // The writer runs on the thread pool, never on the scheduler of the grain that happened to start it.
        _ = Task.Run(WriteAsync);
        return pending.Saved.Task;
    }

    private async Task WriteAsync()
    {
        while (true)
        {
            List<PendingSave> batch;
            lock (gate)
            {
                if (queued.Count == 0)
                {
                    writing = false;
                    return;
                }
                batch = queued.Count <= MaxBatch ? queued : queued[..MaxBatch];
                queued = queued.Count <= MaxBatch ? [] : queued[MaxBatch..];
            }
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
