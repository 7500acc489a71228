using System.Numerics;

namespace Vmorph.Recommenders.Baselines;

/// <summary>
/// Autopilot's machine-learning recommender (K. Rzadca et al., EuroSys 2020, §4): an ensemble of simple models, each
/// with a decay rate d_m and a safety margin M_m. For a limit L the overrun o(L)[t] is the share of window t's usage
/// above L and the underrun u(L)[t] the slack below it, Σ_j s[t][j]·(L − b[j]) over buckets b[j] &lt; L; both are
/// decayed, O(L)[t] = (1 − d_m)·O(L)[t−1] + d_m·o(L)[t]. Model m picks
/// L'_m[t] = argmin_L w_o·O(L) + w_u·U(L) + w_ΔL·[L ≠ L'_m[t−1]] and recommends L_m = L'_m + M_m; its own cost
/// c_m[t] = d·(w_o·o(L_m) + w_u·u(L_m) + w_ΔL·[L_m changed]) + (1 − d)·c_m[t−1]. The ensemble follows
/// argmin_m c_m[t] + w_Δm·[m ≠ m[t−1]] + w_ΔL·[L_m[t] ≠ L[t−1]].
/// The paper does not publish its weights: here w_o = 1 per overrun step, w_u = 0.5 per provisioned capacity of slack,
/// w_ΔL = 0.1, w_Δm = 0.1, d = 0.1, d_m ∈ {0.003, 0.01, 0.03, 0.1, 0.3} and M_m ∈ {0, 5 %, 10 %} of the provisioned
/// capacity; the candidate limits are 64 steps over (0, 1.5 × provisioned] for CPU and for memory.
/// </summary>
internal sealed class AutopilotMlRecommender : IRecommender
{
    private readonly Ensemble cpu;
    private readonly Ensemble? memory;

    public AutopilotMlRecommender(VmContext vm)
    {
        cpu = new Ensemble(Math.Max(vm.Provisioned.Cores, 0.1));
        if (vm.Provisioned.HasMemory) memory = new Ensemble(Math.Max(vm.Provisioned.MemoryMiB, 128));
    }

    public void Observe(in UsageSample sample)
    {
        if (sample.HasCpu) cpu.Observe(sample.Cores);
        if (sample.HasMemory) memory?.Observe(sample.MemoryMiB);
    }

    public Allocation Recommend(long nowUnixSeconds, Allocation current)
    {
        var result = current;
        if (cpu.Limit is { } cores) result = result.WithCores(cores);
        if (current.HasMemory && memory?.Limit is { } mib) result = result.WithMemory(mib);
        return result;
    }

    /// <summary>The ensemble for one resource.</summary>
    private sealed class Ensemble
    {
        private const int Buckets = 64;
        private const double WOverrun = 1.0;
        private const double WUnderrun = 0.5;
        private const double WLimitChange = 0.1;
        private const double WModelChange = 0.1;
        private const double D = 0.1;
        private static readonly double[] DecayRates = [0.003, 0.01, 0.03, 0.1, 0.3];
        private static readonly double[] Margins = [0, 0.05, 0.10];

        private readonly double scale;
        private readonly float[] limits = new float[Buckets];
        private readonly Sweep[] sweeps;
        private readonly Model[] models;
        private int chosen = -1;
        private double chosenLimit = double.NaN;

        public Ensemble(double capacity)
        {
            scale = capacity;
            for (var k = 0; k < Buckets; k++) limits[k] = (float)(1.5 * (k + 1) / Buckets);
            sweeps = [.. DecayRates.Select(d => new Sweep(d))];
            models = [.. sweeps.SelectMany(sweep => Margins.Select(m => new Model(sweep, m)))];
        }

        public double? Limit { get; private set; }

        public void Observe(double usage)
        {
            var s = usage / scale;
            foreach (var sweep in sweeps) sweep.Update(limits, s);
            var best = double.PositiveInfinity;
            var bestModel = 0;
            for (var m = 0; m < models.Length; m++)
            {
                var model = models[m];
                model.Update(limits, s);
                var total = model.Cost + (m == chosen ? 0 : WModelChange) + (Math.Abs(model.Limit - chosenLimit) < 1e-12 ? 0 : WLimitChange);
                if (total < best)
                {
                    best = total;
                    bestModel = m;
                }
            }
            chosen = bestModel;
            chosenLimit = models[bestModel].Limit;
            Limit = models[bestModel].Limit * scale;
        }

        /// <summary>
        /// The decayed overrun and underrun of every candidate limit at one decay rate, and the limit that minimises
        /// their cost, L'_m. The margin is added only after the argmin, so the models of one decay rate share a sweep.
        /// Kept as floats and updated with SIMD: a replay updates 5 sweeps × 64 limits × 2 resources at every step of
        /// every VM.
        /// </summary>
        private sealed class Sweep(double decay)
        {
            private readonly float[] overrun = new float[Buckets];
            private readonly float[] underrun = new float[Buckets];
            private readonly float[] cost = new float[Buckets];

            /// <summary>The index of L'_m, or −1 before the first sample.</summary>
            public int RawIndex { get; private set; } = -1;

            public void Update(float[] limits, double s)
            {
                var keep = new Vector<float>((float)(1 - decay));
                var add = new Vector<float>((float)decay);
                var sample = new Vector<float>((float)s);
                var wo = new Vector<float>((float)WOverrun);
                var wu = new Vector<float>((float)WUnderrun);
                var width = Vector<float>.Count;
                for (var k = 0; k < Buckets; k += width)
                {
                    var l = new Vector<float>(limits, k);
                    var above = Vector.ConditionalSelect(Vector.GreaterThan(sample, l), Vector<float>.One, Vector<float>.Zero);
                    var o = keep * new Vector<float>(overrun, k) + add * above;
                    var u = keep * new Vector<float>(underrun, k) + add * Vector.Max(l - sample, Vector<float>.Zero);
                    o.CopyTo(overrun, k);
                    u.CopyTo(underrun, k);
                    (wo * o + wu * u).CopyTo(cost, k);
                }
                if (RawIndex >= 0) cost[RawIndex] -= (float)WLimitChange;
                var best = 0;
                var bestCost = cost[0];
                for (var k = 1; k < Buckets; k++)
                {
                    if (cost[k] < bestCost)
                    {
                        bestCost = cost[k];
                        best = k;
                    }
                }
                RawIndex = best;
            }
        }

        /// <summary>One model: a sweep's limit plus a margin, with its own decayed cost c_m.</summary>
        private sealed class Model(Sweep sweep, double margin)
        {
            private bool hasLimit;

            public double Cost { get; private set; }

            public double Limit { get; private set; }

            public void Update(float[] limits, double s)
            {
                var limit = limits[sweep.RawIndex] + margin;
                var changed = hasLimit && Math.Abs(limit - Limit) > 1e-9;
                var over = s > limit ? 1 : 0;
                var under = s < limit ? limit - s : 0;
                Cost = D * (WOverrun * over + WUnderrun * under + (changed ? WLimitChange : 0)) + (1 - D) * Cost;
                Limit = limit;
                hasLimit = true;
            }
        }
    }
}

/// <summary>Makes <see cref="AutopilotMlRecommender"/>s.</summary>
public sealed class AutopilotMlRecommenderFactory : IRecommenderFactory
{
    /// <inheritdoc />
    public string Name => "autopilot-ml";

    /// <inheritdoc />
    public string Description => "Autopilot ML: ensemble of decayed overrun/underrun cost models with limit- and model-change penalties";

    /// <inheritdoc />
    public string Source => "K. Rzadca et al., Autopilot: workload autoscaling at Google, EuroSys 2020, §4 (recommenders based on machine learning)";

    /// <inheritdoc />
    public IRecommender Create(VmContext vm) => new AutopilotMlRecommender(vm);
}
