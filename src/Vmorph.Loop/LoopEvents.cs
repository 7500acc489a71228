using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Vmorph.Loop;

/// <summary>
/// The loop's changes, broadcast to every watcher (the server-sent-events stream): each watcher has its own bounded
/// queue that drops its oldest events when it falls behind, so a slow reader never holds the loop up.
/// </summary>
public sealed class LoopEvents
{
    private readonly Lock gate = new();
    private readonly List<Channel<LoopEvent>> watchers = [];

    /// <summary>Publishes one change to every watcher.</summary>
    public void Publish(LoopEvent change)
    {
        lock (gate)
        {
            foreach (var w in watchers) w.Writer.TryWrite(change);
        }
    }

    /// <summary>Every change from now on, until cancelled.</summary>
    public async IAsyncEnumerable<LoopEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<LoopEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (gate) watchers.Add(channel);
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken)) yield return change;
        }
        finally
        {
            lock (gate) watchers.Remove(channel);
        }
    }
}
