using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CsCheck;
using Xunit.Abstractions;

namespace Vmorph.Fuzz.Tests.Harness;

/// <summary>How one generated case ended.</summary>
public enum Verdict
{
    /// <summary>The input was taken.</summary>
    Accepted,

    /// <summary>Refused with one clear message naming what and where, without .NET type names or raw library text.</summary>
    CleanReject,

    /// <summary>Refused, but the message breaks the rules of <see cref="Messages.Problem"/>.</summary>
    UnclearReject,

    /// <summary>An unexpected exception.</summary>
    Crash,

    /// <summary>Still running when its time was up.</summary>
    Hang,

    /// <summary>Refused, and the store is not as it was before the case.</summary>
    DataLost,
}

/// <summary>What a case did: its verdict and, for anything but a success, the message or exception.</summary>
public sealed record Outcome(Verdict Verdict, string? Detail = null)
{
    /// <summary>The input was taken.</summary>
    public static Outcome Accepted { get; } = new(Verdict.Accepted);

    /// <summary>A refusal, judged clean or not by its message.</summary>
    public static Outcome Rejected(string message, string where) =>
        Messages.Problem(message, where) is { } problem ? new(Verdict.UnclearReject, $"{problem}: {message}") : new(Verdict.CleanReject, message);
}

/// <summary>
/// Runs generated cases against one target and counts how each ended. Every case runs on a thread of its own with a time
/// budget (<see cref="FuzzBudget.CaseTimeout"/>): past it the case is a hang (its token is cancelled and it is left
/// behind). Cases that are not accepted or cleanly rejected are written, input and detail, under
/// <c>artifacts/fuzz/failures/</c> to be replayed; the counts of every target go to <c>artifacts/fuzz/TARGET.txt</c>.
/// </summary>
public static class Fuzzer
{
    private static readonly ConcurrentDictionary<string, object> Locks = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="cases"/> cases of <paramref name="gen"/> against <paramref name="run"/> and fails on any crash, hang, data lost or unclear message.</summary>
    public static Tally Run<T>(string target, Gen<T> gen, Func<T, CancellationToken, Outcome> run, Func<T, byte[]> bytesOf, ITestOutputHelper output, int? cases = null)
    {
        var tally = new Tally(target);
        var count = cases ?? FuzzBudget.CasesPerTarget;
        var clock = Stopwatch.StartNew();
        gen.Sample(input =>
        {
            using var cancel = new CancellationTokenSource();
            Outcome outcome;
            var work = Task.Factory.StartNew(() =>
            {
                try
                {
                    return run(input, cancel.Token);
                }
                catch (Exception e)
                {
                    return new Outcome(Verdict.Crash, e.ToString());
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (work.Wait(FuzzBudget.CaseTimeout)) outcome = work.Result;
            else
            {
                cancel.Cancel();
                outcome = new Outcome(Verdict.Hang, $"still running after {FuzzBudget.CaseTimeout.TotalSeconds:0} s");
            }
            tally.Add(outcome);
            if (outcome.Verdict is not (Verdict.Accepted or Verdict.CleanReject)) Keep(target, tally, outcome, bytesOf(input));
        }, iter: count, threads: 1);
        tally.Elapsed = clock.Elapsed;
        output.WriteLine(tally.ToString());
        foreach (var example in tally.Examples) output.WriteLine("  " + example);
        File.WriteAllText(Path.Combine(FuzzBudget.ArtifactsDirectory, $"{target}.txt"), tally + "\n");
        return tally;
    }

    private static void Keep(string target, Tally tally, Outcome outcome, byte[] input)
    {
        var failures = Path.Combine(FuzzBudget.ArtifactsDirectory, "failures");
        Directory.CreateDirectory(failures);
        lock (Locks.GetOrAdd(target, _ => new object()))
        {
            var n = tally.Failures;
            if (n > 20) return; // enough to replay; the counts say the rest
            var stem = Path.Combine(failures, $"{target}-{n}-{outcome.Verdict.ToString().ToLowerInvariant()}");
            File.WriteAllBytes(stem + ".input", input);
            File.WriteAllText(stem + ".txt", outcome.Detail ?? "");
        }
    }
}

/// <summary>The counts of one target's cases.</summary>
public sealed class Tally(string target)
{
    private readonly int[] counts = new int[Enum.GetValues<Verdict>().Length];
    private readonly List<string> examples = [];

    /// <summary>The target's name.</summary>
    public string Target { get; } = target;

    /// <summary>How long the cases took.</summary>
    public TimeSpan Elapsed { get; set; }

    /// <summary>Cases run.</summary>
    public int Cases => counts.Sum();

    /// <summary>Cases that ended in a crash, a hang, data lost or an unclear message.</summary>
    public int Failures => this[Verdict.Crash] + this[Verdict.Hang] + this[Verdict.DataLost] + this[Verdict.UnclearReject];

    /// <summary>A few failures, for the test's output.</summary>
    public IReadOnlyList<string> Examples => examples;

    /// <summary>The count of one verdict.</summary>
    public int this[Verdict verdict] => counts[(int)verdict];

    /// <summary>Counts an outcome.</summary>
    public void Add(Outcome outcome)
    {
        counts[(int)outcome.Verdict]++;
        if (outcome.Verdict is Verdict.Accepted or Verdict.CleanReject || examples.Count >= 5) return;
        var detail = outcome.Detail ?? "";
        examples.Add($"{outcome.Verdict}: {(detail.Length > 600 ? detail[..600] + "..." : detail)}");
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Target}: {Cases} cases in {Elapsed.TotalSeconds:0.0} s: {this[Verdict.Accepted]} accepted, {this[Verdict.CleanReject]} clean rejects, {this[Verdict.UnclearReject]} unclear rejects, {this[Verdict.Crash]} crashes, {this[Verdict.Hang]} hangs, {this[Verdict.DataLost]} data lost");
}
