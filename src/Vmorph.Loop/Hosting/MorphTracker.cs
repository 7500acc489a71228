using System.Collections.Concurrent;

namespace Vmorph.Loop.Hosting;

/// <summary>
/// The morphs grains run in the background: a graceful shutdown waits for them to reach a committed or rolled-back
/// state, and cancels those that take too long (their journal lets the next start resume or roll them back).
/// </summary>
public sealed class MorphTracker : IDisposable
{
    private readonly ConcurrentDictionary<string, Task> running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Cancelled when the server stops for good (after the grace period).</summary>
    public CancellationToken Stopping => stopping.Token;

    /// <summary>How many morphs run now.</summary>
    public int Count => running.Count;

    /// <summary>Starts <paramref name="work"/> on the thread pool and tracks it until it ends.</summary>
    public Task Run(string morphKey, Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var task = Task.Run(() => work(stopping.Token));
        running[morphKey] = task;
        _ = task.ContinueWith(_ => running.TryRemove(morphKey, out Task? _), TaskScheduler.Default);
        return task;
    }

    /// <summary>Waits up to <paramref name="grace"/> for running morphs to end, then cancels what is left.</summary>
    public async Task StopAsync(TimeSpan grace, TimeProvider clock)
    {
        var all = running.Values.ToArray();
        if (all.Length > 0)
        {
            using var timeout = new CancellationTokenSource(grace, clock);
            try
            {
                await Task.WhenAll(all).WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Grace is over: cancel; the journal holds where each one stopped.
            }
            catch (Exception)
            {
                // A morph that failed has recorded its failure in its journal.
            }
        }
        await stopping.CancelAsync();
    }

    /// <inheritdoc />
    public void Dispose() => stopping.Dispose();
}
