using System.Diagnostics;

namespace Vmorph.Libvirt.Tests.Lab;

internal static class Poll
{
    /// <summary>Runs <paramref name="attempt"/> until it returns a value, or fails after <paramref name="timeout"/> saying what was awaited.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> attempt, TimeSpan timeout, string what) where T : class
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await attempt() is { } value) return value;
            if (watch.Elapsed > timeout) throw new TimeoutException($"{what}: not seen within {timeout.TotalSeconds:0} s");
            await Task.Delay(250);
        }
    }
}
