using System.Globalization;
using System.IO.Compression;
using Vmorph.Cycles;

namespace Vmorph.Benchmarks;

/// <summary>
/// How often does <see cref="CycleDetector"/> name a planted cycle right, and how often does it name one where none
/// was planted? Generates five weeks of five-minute CPU utilisation per series: a level, AR(1) noise (φ drawn from 0 to
/// 0.98 at the five-minute step), spikes (0.5 % of samples, 1–3 samples long, 3–10 noise deviations high), 0–2 level
/// shifts of 1–4 deviations, random gaps, and, in half the series, a cycle of 1 h, 6 h, 12 h, 24 h or 7 d, smooth (a
/// sine) or pulse-shaped (on for 10–30 % of the period), peak to peak 1.5–3 noise deviations, at a random phase. A
/// cycle is named right when the named period is within 2 % of the planted one. Deterministic for a seed.
/// With <c>--azure FILE</c> it instead prints what the detector names for each VM of an Azure V1 CPU file (columns
/// "id period"); the labels are printed beside it, never used. See docs/TRAITS.md, "The dominant cycle".
/// </summary>
internal static class CycleDetection
{
    private const int Step = 300;
    private const int Weeks = 6;
    private static readonly double[] PlantedHours = [1, 6, 12, 24, 168];
    // 2024-01-01 was a Monday.
    private static readonly long Start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    public static int Run(string[] args, TextWriter output)
    {
        var perKind = 100;
        var seed = 12;
        string? azure = null;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--per-kind" when value is not null: perKind = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--seed" when value is not null: seed = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--azure" when value is not null: azure = value; i++; break;
                default:
                    Console.Error.WriteLine($"cycles: unknown or incomplete argument '{args[i]}'. Usage: cycles [--per-kind N] [--seed S] | cycles --azure FILE.csv.gz");
                    return 2;
            }
        }
        return azure is not null ? Azure(azure, output) : Generated(perKind, seed, output);
    }

    private static int Generated(int perKind, int seed, TextWriter output)
    {
        var random = new Random(seed);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var detections = 0;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cycles: {perKind} series per planted period and shape, {PlantedHours.Length * 2 * perKind} without a cycle; seed {seed}; {Weeks} weeks of 5-minute samples each"));
        output.WriteLine("planted      shape   named right   named other   none");
        var totalRight = 0;
        var totalPlanted = 0;
        foreach (var hours in PlantedHours)
        {
            foreach (var pulse in new[] { false, true })
            {
                int right = 0, other = 0, none = 0;
                var wrong = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var n = 0; n < perKind; n++)
                {
                    var cycle = Detect(Generate(random, TimeSpan.FromHours(hours), pulse));
                    detections++;
                    if (cycle is null) none++;
                    else if (Math.Abs(cycle.Period.TotalHours - hours) <= 0.02 * hours) right++;
                    else
                    {
                        other++;
                        wrong[cycle.IsoPeriod] = wrong.GetValueOrDefault(cycle.IsoPeriod) + 1;
                    }
                }
                totalRight += right;
                totalPlanted += perKind;
                var others = string.Join(", ", wrong.OrderByDescending(w => w.Value).Take(3).Select(w => $"{w.Key}×{w.Value}"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DominantCycle.FormatIso(TimeSpan.FromHours(hours)),-12} {(pulse ? "pulse" : "smooth"),-7} {right,5} ({100.0 * right / perKind,3:0} %) {other,6}        {none,4}   {others}"));
            }
        }
        var falsePositives = 0;
        var nullCount = PlantedHours.Length * 2 * perKind;
        var named = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var n = 0; n < nullCount; n++)
        {
            var cycle = Detect(Generate(random, null, false));
            detections++;
            if (cycle is null) continue;
            falsePositives++;
            named[cycle.IsoPeriod] = named.GetValueOrDefault(cycle.IsoPeriod) + 1;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"planted cycles named right: {totalRight} of {totalPlanted} ({100.0 * totalRight / totalPlanted:0.0} %)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"series without a cycle given one: {falsePositives} of {nullCount} ({100.0 * falsePositives / nullCount:0.0} %){(named.Count > 0 ? ": " + string.Join(", ", named.OrderByDescending(w => w.Value).Select(w => $"{w.Key}×{w.Value}")) : "")}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"detection: {watch.Elapsed.TotalMilliseconds / detections:0.00} ms a series, generation and folding included"));
        return 0;
    }

    private static DominantCycle? Detect(IEnumerable<(long Time, double Value)> series)
    {
        var history = new CycleHistory();
        foreach (var (time, value) in series) history.Add(time, value);
        return CycleDetector.Detect(history);
    }

    /// <summary>One series: level, AR(1) noise, spikes, level shifts, gaps, and a cycle when <paramref name="period"/> is given.</summary>
    internal static List<(long Time, double Value)> Generate(Random random, TimeSpan? period, bool pulse)
    {
        var samples = Weeks * 7 * 288;
        var sigma = 0.04;
        var phi = random.NextDouble() * 0.98;
        var innovation = sigma * Math.Sqrt(1 - phi * phi);
        var level = 0.15 + random.NextDouble() * 0.3;
        var shifts = Enumerable.Range(0, random.Next(3)).Select(_ => (At: random.Next(samples), By: (random.NextDouble() < 0.5 ? -1 : 1) * sigma * (1 + 3 * random.NextDouble()))).ToArray();
        var amplitude = sigma * (1.5 + 1.5 * random.NextDouble());
        var phase = random.NextDouble();
        var duty = 0.1 + 0.2 * random.NextDouble();
        var gaps = Enumerable.Range(0, random.Next(4)).Select(_ => (At: random.Next(samples), Length: random.Next(1, 48))).ToArray();
        var list = new List<(long, double)>(samples);
        var noise = sigma * Gaussian(random);
        var spikeLeft = 0;
        var spikeHeight = 0.0;
        for (var i = 0; i < samples; i++)
        {
            noise = phi * noise + innovation * Gaussian(random);
            var t = Start + (long)i * Step;
            var value = level + noise + shifts.Where(s => i >= s.At).Sum(s => s.By);
            if (period is { } p)
            {
                var cyclePhase = ((double)(t - Start) / p.TotalSeconds + phase) % 1.0;
                value += pulse ? (cyclePhase < duty ? amplitude : 0) : amplitude / 2 * Math.Sin(2 * Math.PI * cyclePhase);
            }
            if (spikeLeft == 0 && random.NextDouble() < 0.005)
            {
                spikeLeft = random.Next(1, 4);
                spikeHeight = sigma * (3 + 7 * random.NextDouble());
            }
            if (spikeLeft > 0)
            {
                value += spikeHeight;
                spikeLeft--;
            }
            if (gaps.Any(g => i >= g.At && i < g.At + g.Length)) continue;
            list.Add((t, Math.Clamp(value, 0, 1)));
        }
        return list;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static int Azure(string path, TextWriter output)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var header = (reader.ReadLine() ?? "").Split(',').Select(h => h.Trim('"')).ToArray();
        var histories = header.Skip(1).Select(_ => new CycleHistory()).ToArray();
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split(',');
            var t = Start + long.Parse(fields[0], CultureInfo.InvariantCulture) * Step;
            for (var c = 1; c < fields.Length && c <= histories.Length; c++)
                histories[c - 1].Add(t, double.Parse(fields[c], CultureInfo.InvariantCulture));
        }
        output.WriteLine("vm          label   named        strength");
        var tally = new Dictionary<(string Label, string Named), int>();
        for (var c = 0; c < histories.Length; c++)
        {
            var parts = header[c + 1].Split(' ');
            var label = parts.Length > 1 ? $"PT{parts[1]}H" : "?";
            var cycle = CycleDetector.Detect(histories[c]);
            var named = cycle?.IsoPeriod ?? "none";
            tally[(label, named)] = tally.GetValueOrDefault((label, named)) + 1;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{parts[0],-11} {label,-7} {named,-12} {(cycle is null ? "" : cycle.Strength.ToString("0.00", CultureInfo.InvariantCulture))}"));
        }
        output.WriteLine("label   named: count");
        foreach (var group in tally.OrderBy(t => t.Key.Label, StringComparer.Ordinal).ThenByDescending(t => t.Value))
            output.WriteLine($"{group.Key.Label,-7} {group.Key.Named}: {group.Value}");
        return 0;
    }
}
