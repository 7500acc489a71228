using System.Globalization;
using Vmorph.Forecasting;
using Vmorph.Simulation.Replay;
using Vmorph.Traces;

namespace Vmorph.Benchmarks;

/// <summary>
/// Do vmorph's forecasts earn their keep? Scores the hour-peak forecasters as forecasts on held-out data, against two
/// rules that need no model: the recent-peak rule (the peak of the last hour is the next hour's) and the seasonal-naive
/// forecast (the peak of the same hour yesterday). At each held-out step every forecaster forecasts a quantile of the
/// next hour's CPU peak; once the hour has passed the forecast is scored with the pinball (quantile) loss and counted
/// as covering the peak or not. Forecasters warm up on the training traces (the pooled FastTree model is trained on
/// them, as <c>vmorph simulate</c> does) and keep learning through the held-out steps, never seeing a peak before its
/// hour is over. See docs/BENCHMARKS.md, "Forecasts".
/// </summary>
internal static class ForecastEvaluation
{
    private const int HorizonSteps = 12;
    private const int Day = 288;

    private static readonly string[] Models = ["seasonal", "fasttree", "recent-peak", "conformal", "auto", "auto+conformal", "last-hour-peak", "seasonal-naive"];

    public static int Run(string[] args, TextWriter output)
    {
        var traces = new List<string>();
        var train = new List<string>();
        var quantiles = new List<double>();
        long? evaluateFrom = null;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--trace" when value is not null: traces.Add(value); i++; break;
                case "--train" when value is not null: train.Add(value); i++; break;
                case "--quantile" when value is not null: quantiles.Add(double.Parse(value, CultureInfo.InvariantCulture)); i++; break;
                case "--evaluate-from" when value is not null:
                    evaluateFrom = DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeSeconds(); i++; break;
                default:
                    Console.Error.WriteLine($"forecasts: unknown or incomplete argument '{args[i]}'. Usage: forecasts --trace PATH... [--train PATH...] [--evaluate-from TIME] [--quantile Q...]");
                    return 2;
            }
        }
        if (traces.Count == 0 || (train.Count == 0 && evaluateFrom is null))
        {
            Console.Error.WriteLine("forecasts: give --trace PATH and held-out data: --train PATH or --evaluate-from TIME");
            return 2;
        }
        if (quantiles.Count == 0) quantiles.AddRange([0.5, 0.9, 0.99]);

        var loader = new TraceLoader(new TraceReader());
        var evaluate = loader.Load(traces, null, CancellationToken.None).Series;
        var history = train.Count > 0 ? loader.Load(train, null, CancellationToken.None).Series.ToDictionary(s => s.Vm) : [];
        // Each VM: its warm-up (training trace before its first scored step, and the steps before --evaluate-from), then the held-out steps.
        var vms = new List<(ReplaySeries Whole, long ScoredFrom)>();
        foreach (var series in evaluate)
        {
            var scored = series.From(evaluateFrom);
            if (scored.Length == 0) continue;
            var parts = new List<ReplaySeries>();
            if (history.TryGetValue(series.Vm, out var h) && h.Before(scored.UnixSeconds[0]) is { Length: > 0 } before) parts.Add(before);
            parts.Add(series);
            vms.Add((ReplaySeries.Concat(parts), scored.UnixSeconds[0]));
        }
        var model = FastTreeDemandModel.Train(
            vms.Select(v => v.Whole.Before(v.ScoredFrom)).Where(s => s.Length > 0).Select(s => new TrainingSeries(s.UnixSeconds, s.Cores, Scale(s))),
            HorizonSteps, TimeZoneInfo.Utc);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{vms.Count} VMs; forecasts of the next hour's CPU peak; FastTree {(model is null ? "not trained (too little data)" : $"{model.TreeCount} trees on {model.TrainingRows:N0} rows")}"));
        foreach (var q in quantiles)
        {
            var totals = Models.ToDictionary(m => m, _ => new Tally());
            var wins = Models.ToDictionary(m => m, _ => 0);
            var perVm = new Dictionary<string, Tally>[vms.Count];
            Parallel.For(0, vms.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, v => perVm[v] = Score(vms[v].Whole, vms[v].ScoredFrom, model, q));
            foreach (var vm in perVm)
            {
                foreach (var (name, tally) in vm) totals[name].Add(tally);
                // Which single model would serve this VM best (the references included).
                var best = vm.Where(p => p.Key is not ("auto" or "auto+conformal") && p.Value.Count > 0).MinBy(p => p.Value.MeanLoss).Key;
                if (best is not null) wins[best]++;
            }
            var rule = totals["last-hour-peak"].MeanLoss;
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"quantile {q}: {totals["seasonal"].Count:N0} forecasts scored (one per held-out step and VM)"));
            output.WriteLine();
            output.WriteLine("| forecaster | pinball loss (cores) | vs last-hour peak | coverage | best for VMs |");
            output.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var name in Models)
            {
                var t = totals[name];
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {t.MeanLoss:0.0000} | {t.MeanLoss / rule - 1:+0.0 %;-0.0 %;0.0 %} | {t.Coverage:P1} | {(name.StartsWith("auto", StringComparison.Ordinal) ? "" : wins[name].ToString(CultureInfo.InvariantCulture))} |"));
            }
        }
        return 0;
    }

    private static double Scale(ReplaySeries s) => Math.Max(s.ProvisionedCores.Length > 0 ? s.ProvisionedCores[0] : 1, 0.1);

    /// <summary>Replays one VM through every forecaster at one quantile; tallies the held-out forecasts.</summary>
    private static Dictionary<string, Tally> Score(ReplaySeries series, long scoredFrom, FastTreeDemandModel? model, double q)
    {
        var scale = Scale(series);
        var step = series.Step();
        IDemandForecaster Seasonal() => new SeasonalTrendForecaster(scale, TimeZoneInfo.Utc);
        IDemandForecaster FastTree() => new FastTreeForecaster(scale, model, HorizonSteps);
        IDemandForecaster Recent() => new RecentPeakForecaster(scale);
        IDemandForecaster Conformal() => new ConformalPeakForecaster(scale, HorizonSteps);
        var single = new Dictionary<string, IDemandForecaster>
        {
            ["seasonal"] = Seasonal(), ["fasttree"] = FastTree(), ["recent-peak"] = Recent(), ["conformal"] = Conformal(),
        };
        var auto = new BacktestChooser([Seasonal(), FastTree(), Recent()], q, HorizonSteps, step, TimeSpan.FromDays(3));
        var autoConformal = new BacktestChooser([Seasonal(), FastTree(), Recent(), Conformal()], q, HorizonSteps, step, TimeSpan.FromDays(3));
        var tallies = Models.ToDictionary(m => m, _ => new Tally());
        var cpu = new UsageHistory();
        var pending = new Queue<(long Origin, Dictionary<string, double> Forecasts)>();
        for (var i = 0; i < series.Length; i++)
        {
            var now = series.UnixSeconds[i];
            if (cpu.Count > 0)
            {
                // The hour that started HorizonSteps steps ago has just ended: learn it, and score it if held out.
                if (pending.Count >= HorizonSteps)
                {
                    var (origin, forecasts) = pending.Dequeue();
                    var peak = cpu.Window(HorizonSteps).Max;
                    foreach (var (name, f) in single) f.Learn(origin, peak);
                    if (origin >= scoredFrom && !double.IsNaN(peak))
                        foreach (var (name, forecast) in forecasts) tallies[name].Add(q, peak, forecast);
                }
                var made = new Dictionary<string, double>(Models.Length);
                foreach (var (name, f) in single) made[name] = f.Forecast(now, cpu, q);
                made["auto"] = auto.Step(now, cpu);
                made["auto+conformal"] = autoConformal.Step(now, cpu);
                made["last-hour-peak"] = cpu.Window(HorizonSteps).Max;
                made["seasonal-naive"] = cpu.Count >= Day ? cpu.MaxBetween(Day - HorizonSteps, Day - 1) : double.NaN;
                // A forecaster that cannot tell yet is scored as the rule (what the trigger's recent floor would give).
                foreach (var name in Models)
                    if (double.IsNaN(made[name])) made[name] = made["last-hour-peak"];
                pending.Enqueue((now, made));
            }
            cpu.Add(now, series.Cores[i]);
        }
        return tallies;
    }

    /// <summary>Pinball loss and coverage of one forecaster, summed.</summary>
    private sealed class Tally
    {
        private double loss;
        private long covered;

        public long Count { get; private set; }

        public double MeanLoss => Count > 0 ? loss / Count : double.NaN;

        public double Coverage => Count > 0 ? (double)covered / Count : double.NaN;

        public void Add(double q, double peak, double forecast)
        {
            if (double.IsNaN(forecast)) return;
            var error = peak - forecast;
            loss += error >= 0 ? q * error : (q - 1) * error;
            if (peak <= forecast) covered++;
            Count++;
        }

        public void Add(Tally other)
        {
            loss += other.loss;
            covered += other.covered;
            Count += other.Count;
        }
    }
}
