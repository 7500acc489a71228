using System.Globalization;

namespace Vmorph.Recommenders.References;

/// <summary>
/// A reference rule, not a policy: "the CPU peak of the last <c>window</c>, times <c>headroom</c>", re-decided at every
/// step with no hysteresis, cooldown or morph budget; memory stays where it is. The simplest online rules, to see
/// which allocation and shortfall any online policy can reach on a trace (the frontier; docs/SIMULATOR.md).
/// </summary>
public sealed class PeakRuleFactory : IRecommenderFactory
{
    /// <summary>The keyword that names all of <see cref="All"/> (<c>--baselines peak-rules</c>).</summary>
    public const string Keyword = "peak-rules";

    /// <summary>Creates the rule for a window and a headroom.</summary>
    /// <param name="windowName">The window as written in the name (<c>1h</c>).</param>
    /// <param name="window">The trailing window whose peak is taken.</param>
    /// <param name="headroom">The factor on the peak (1.2 = 20 % headroom).</param>
    public PeakRuleFactory(string windowName, TimeSpan window, double headroom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(headroom, 1.0);
        Window = window;
        Headroom = headroom;
        Name = string.Create(CultureInfo.InvariantCulture, $"peak-{windowName}-x{headroom:0.0#}");
    }

    /// <summary>The reference rules of the frontier: windows of 1 h, 6 h and 24 h, headroom 1.0, 1.2 and 1.5.</summary>
    public static IReadOnlyList<PeakRuleFactory> All { get; } =
    [
        .. new[] { ("1h", TimeSpan.FromHours(1)), ("6h", TimeSpan.FromHours(6)), ("24h", TimeSpan.FromHours(24)) }
            .SelectMany(w => new[] { 1.0, 1.2, 1.5 }.Select(h => new PeakRuleFactory(w.Item1, w.Item2, h))),
    ];

    /// <summary>The trailing window.</summary>
    public TimeSpan Window { get; }

    /// <summary>The factor on the window's peak.</summary>
    public double Headroom { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"reference rule: the CPU peak of the last {Window.TotalHours:0.#} h times {Headroom:0.0#}, re-decided every step, no morph budget");

    /// <inheritdoc />
    public string Source => "docs/SIMULATOR.md, \"The frontier\" (a reference, not a product)";

    /// <inheritdoc />
    public IRecommender Create(VmContext vm) => new PeakRule(Math.Max(1, (int)Math.Round(Window / vm.Step)), Headroom);
}

/// <summary>The CPU peak of the last <c>window</c> samples (a monotonic queue: O(1) per step), times a headroom.</summary>
internal sealed class PeakRule(int window, double headroom) : IRecommender
{
    private readonly LinkedList<(long Index, double Cores)> peaks = new();
    private long seen;

    public void Observe(in UsageSample sample)
    {
        if (!sample.HasCpu) return;
        while (peaks.Last is { } last && last.Value.Cores <= sample.Cores) peaks.RemoveLast();
        peaks.AddLast((seen, sample.Cores));
        while (peaks.First!.Value.Index <= seen - window) peaks.RemoveFirst();
        seen++;
    }

    public Allocation Recommend(long nowUnixSeconds, Allocation current) =>
        peaks.First is { } first ? current.WithCores(first.Value.Cores * headroom) : current;
}
