using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace Vmorph.Forecasting;

/// <summary>One VM's history for training: step times, values, and the capacity values are shares of.</summary>
/// <param name="UnixSeconds">Step times, increasing.</param>
/// <param name="Values">Values per step (NaN where absent).</param>
/// <param name="Scale">The capacity the values are normalised by.</param>
public sealed record TrainingSeries(long[] UnixSeconds, double[] Values, double Scale);

/// <summary>
/// Gradient-boosted regression trees (ML.NET FastTree) that predict the peak over the next horizon, as a share of
/// capacity, from <see cref="ForecastFeatures"/>; trained once, pooled over VMs, then compiled into flat arrays so a
/// prediction costs a few hundred comparisons instead of an ML.NET engine call. Also keeps the distribution of its
/// training residuals, the prior for each VM's quantiles. Immutable and thread-safe once built.
/// </summary>
public sealed partial class FastTreeDemandModel
{
    private readonly CompiledTrees trees;
    private readonly double bias;
    private readonly float[] residualQuantiles;
    private static readonly double[] ResidualLevels = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999];

    private FastTreeDemandModel(CompiledTrees trees, double bias, float[] residualQuantiles, int rows, int horizonSteps)
    {
        this.trees = trees;
        this.bias = bias;
        this.residualQuantiles = residualQuantiles;
        TrainingRows = rows;
        HorizonSteps = horizonSteps;
    }

    /// <summary>Rows it was trained on.</summary>
    public int TrainingRows { get; }

    /// <summary>The horizon, in steps, it predicts the peak of.</summary>
    public int HorizonSteps { get; }

    /// <summary>The number of trees.</summary>
    public int TreeCount => trees.Count;

    /// <summary>The predicted peak share for one feature vector.</summary>
    public double Predict(ReadOnlySpan<float> features)
    {
        var sum = bias;
        for (var t = 0; t < trees.Count; t++) sum += trees.Evaluate(t, features);
        return sum;
    }

    /// <summary>A quantile of the training residuals (label − prediction), interpolated between the kept levels.</summary>
    public double ResidualQuantile(double q)
    {
        if (q <= ResidualLevels[0]) return residualQuantiles[0];
        for (var i = 1; i < ResidualLevels.Length; i++)
        {
            if (q > ResidualLevels[i]) continue;
            var t = (q - ResidualLevels[i - 1]) / (ResidualLevels[i] - ResidualLevels[i - 1]);
            return residualQuantiles[i - 1] + t * (residualQuantiles[i] - residualQuantiles[i - 1]);
        }
        return residualQuantiles[^1];
    }

    /// <summary>
    /// Trains on the series: a row every <paramref name="sampleEvery"/> steps once a day of history exists, labelled
    /// with the peak of the next <paramref name="horizonSteps"/> steps. Deterministic for a seed (one thread).
    /// Returns null when there are too few rows to learn from.
    /// </summary>
    public static FastTreeDemandModel? Train(IEnumerable<TrainingSeries> series, int horizonSteps, TimeZoneInfo zone, int seed = 1, int sampleEvery = 12, int trees = 60, int maxRows = 60_000)
    {
        var rows = BuildRows(series, horizonSteps, zone, sampleEvery);
        if (rows.Count < 200) return null;
        if (rows.Count > maxRows)
        {
            // Keep an even spread rather than the first rows.
            var stride = (double)rows.Count / maxRows;
            rows = [.. Enumerable.Range(0, maxRows).Select(k => rows[(int)(k * stride)])];
        }

        var (_, fitted) = Fit(rows, seed, trees);
        var ensemble = fitted.Model.TrainedTreeEnsemble;
        var compiled = CompiledTrees.From(ensemble.Trees, ensemble.TreeWeights);
        var model = new FastTreeDemandModel(compiled, ensemble.Bias, new float[ResidualLevels.Length], rows.Count, horizonSteps);
        var residuals = rows.Select(r => r.Label - (float)model.Predict(r.Features)).Order().ToArray();
        for (var i = 0; i < ResidualLevels.Length; i++)
            model.residualQuantiles[i] = residuals[Math.Clamp((int)Math.Ceiling(ResidualLevels[i] * residuals.Length) - 1, 0, residuals.Length - 1)];
        return model;
    }

    /// <summary>Trains through ML.NET and returns its own prediction function too (to check the compiled trees against).</summary>
    internal static (FastTreeDemandModel? Compiled, Func<float[], float> MlNet) TrainWithMlNetPredictor(IEnumerable<TrainingSeries> series, int horizonSteps, TimeZoneInfo zone, int seed, int sampleEvery, int trees)
    {
        var list = series.ToList();
        var compiled = Train(list, horizonSteps, zone, seed, sampleEvery, trees);
        var (ml, fitted) = Fit(BuildRows(list, horizonSteps, zone, sampleEvery), seed, trees);
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(fitted);
        return (compiled, f => engine.Predict(new Row { Features = f }).Score);
    }

    private static (MLContext Context, RegressionPredictionTransformer<FastTreeRegressionModelParameters> Model) Fit(List<Row> rows, int seed, int trees)
    {
        var ml = new MLContext(seed);
        var data = ml.Data.LoadFromEnumerable(rows, SchemaDefinition.Create(typeof(Row)));
        var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = trees,
            NumberOfLeaves = 16,
            MinimumExampleCountPerLeaf = 20,
            LearningRate = 0.15,
            NumberOfThreads = 1,
            FeatureColumnName = nameof(Row.Features),
            LabelColumnName = nameof(Row.Label),
        });
        WithoutForcedCollections(trainer);
        return (ml, trainer.Fit(data));
    }

    // ML.NET's FastTree forces three full garbage collections in every training (FastTreeTrainerBase.AllowGC, a
    // protected field the constructor sets; its comment says it was for a batch environment). In a server holding
    // thousands of VMs' state each costs a full pass over the heap, and each VM trains its own model: switched off.
    // The field is found by reflection (the trainer is sealed); without it, training goes on as ML.NET does it.
    private static readonly System.Reflection.FieldInfo? AllowGc =
        typeof(FastTreeRegressionTrainer).BaseType?.GetField("AllowGC", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    internal static bool ForcedCollectionsCanBeSwitchedOff => AllowGc?.FieldType == typeof(bool);

    private static void WithoutForcedCollections(FastTreeRegressionTrainer trainer)
    {
        if (ForcedCollectionsCanBeSwitchedOff) AllowGc!.SetValue(trainer, false);
    }

    private static List<Row> BuildRows(IEnumerable<TrainingSeries> series, int horizonSteps, TimeZoneInfo zone, int sampleEvery)
    {
        var rows = new List<Row>();
        var features = new float[ForecastFeatures.Count];
        foreach (var s in series)
        {
            var state = new ForecastFeatures(s.Scale);
            var n = s.UnixSeconds.Length;
            for (var i = 0; i < n; i++)
            {
                if (i >= 288 && i + horizonSteps <= n && i % sampleEvery == 0)
                {
                    var label = double.NaN;
                    for (var k = i; k < i + horizonSteps; k++)
                        if (!double.IsNaN(s.Values[k]) && !(s.Values[k] <= label)) label = s.Values[k];
                    if (!double.IsNaN(label))
                    {
                        state.Compute(s.UnixSeconds[i], horizonSteps, zone, features);
                        rows.Add(new Row { Features = (float[])features.Clone(), Label = (float)(label / s.Scale) });
                    }
                }
                state.Add(s.UnixSeconds[i], s.Values[i]);
            }
        }
        return rows;
    }

    /// <summary>A training row.</summary>
    internal sealed class Row
    {
        [VectorType(ForecastFeatures.Count)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    /// <summary>ML.NET's output.</summary>
    internal sealed class Prediction
    {
        public float Score { get; set; }
    }

    /// <summary>
    /// The regression trees as flat arrays shared by all of them (a VM that trains its own model holds one: 20 trees in
    /// 5 arrays each cost 10 KB, in one set 5 KB). Tree t's nodes start at nodeStart[t] and its leaves at leafStart[t];
    /// its node i goes left when feature[split[i]] ≤ threshold[i]; a child c ≥ 0 is node c of the same tree, a negative
    /// one the leaf ~c.
    /// </summary>
    private sealed class CompiledTrees(int[] nodeStart, int[] leafStart, byte[] split, float[] threshold, short[] left, short[] right, double[] leaves)
    {
        // Bounds on what is read back: far above what vmorph trains (60 trees of 15 nodes), far below what would hurt.
        private const int MaxTrees = 1000;
        private const int MaxNodes = 4096;

        public int Count => nodeStart.Length - 1;

        public static CompiledTrees From(IReadOnlyList<RegressionTree> trees, IReadOnlyList<double> weights)
        {
            var nodeStart = new int[trees.Count + 1];
            var leafStart = new int[trees.Count + 1];
            for (var t = 0; t < trees.Count; t++)
            {
                nodeStart[t + 1] = nodeStart[t] + trees[t].LeftChild.Count;
                leafStart[t + 1] = leafStart[t] + trees[t].LeafValues.Count;
            }
            var split = new byte[nodeStart[^1]];
            var threshold = new float[nodeStart[^1]];
            var left = new short[nodeStart[^1]];
            var right = new short[nodeStart[^1]];
            var leaves = new double[leafStart[^1]];
            for (var t = 0; t < trees.Count; t++)
            {
                var tree = trees[t];
                for (var i = 0; i < tree.LeftChild.Count; i++)
                {
                    var n = nodeStart[t] + i;
                    split[n] = checked((byte)tree.NumericalSplitFeatureIndexes[i]);
                    threshold[n] = tree.NumericalSplitThresholds[i];
                    left[n] = checked((short)tree.LeftChild[i]);
                    right[n] = checked((short)tree.RightChild[i]);
                }
                for (var i = 0; i < tree.LeafValues.Count; i++) leaves[leafStart[t] + i] = tree.LeafValues[i] * weights[t];
            }
            return new CompiledTrees(nodeStart, leafStart, split, threshold, left, right, leaves);
        }

        /// <summary>Writes the trees: how many, each one's node and leaf counts, then every node and every leaf.</summary>
        public void Write(BinaryWriter writer)
        {
            writer.Write(Count);
            for (var t = 0; t < Count; t++)
            {
                writer.Write(nodeStart[t + 1] - nodeStart[t]);
                writer.Write(leafStart[t + 1] - leafStart[t]);
            }
            for (var n = 0; n < split.Length; n++)
            {
                writer.Write(split[n]);
                writer.Write(threshold[n]);
                writer.Write(left[n]);
                writer.Write(right[n]);
            }
            foreach (var leaf in leaves) writer.Write(leaf);
        }

        /// <summary>
        /// Reads what <see cref="Write"/> wrote, to the end of the stream, or says what is wrong with it. Nothing read is
        /// trusted: each tree must be a binary tree whose root reaches each of its nodes and leaves once, each split a
        /// feature there is, every number finite, so that <see cref="Evaluate"/> always ends inside the arrays.
        /// </summary>
        public static Result<CompiledTrees> Read(BinaryReader reader)
        {
            var count = reader.ReadInt32();
            if (count is < 1 or > MaxTrees) return Result<CompiledTrees>.Fail($"{count} trees (1 to {MaxTrees})");
            var nodeStart = new int[count + 1];
            var leafStart = new int[count + 1];
            for (var t = 0; t < count; t++)
            {
                var nodes = reader.ReadInt32();
                var leafCount = reader.ReadInt32();
                if (nodes is < 0 or > MaxNodes || leafCount != nodes + 1)
                    return Result<CompiledTrees>.Fail($"tree {t} has {nodes} nodes and {leafCount} leaves (a binary tree of at most {MaxNodes} nodes has one leaf more than nodes)");
                nodeStart[t + 1] = nodeStart[t] + nodes;
                leafStart[t + 1] = leafStart[t] + leafCount;
            }
            // Counts are checked against the bytes there are before anything is allocated for them.
            var expected = 9L * nodeStart[^1] + 8L * leafStart[^1];
            var remaining = reader.BaseStream.Length - reader.BaseStream.Position;
            if (remaining != expected) return Result<CompiledTrees>.Fail($"the trees' nodes and leaves take {expected} bytes, and {remaining} are left");

            var split = new byte[nodeStart[^1]];
            var threshold = new float[split.Length];
            var lefts = new short[split.Length];
            var rights = new short[split.Length];
            var leaves = new double[leafStart[^1]];
            for (var n = 0; n < split.Length; n++)
            {
                split[n] = reader.ReadByte();
                threshold[n] = reader.ReadSingle();
                lefts[n] = reader.ReadInt16();
                rights[n] = reader.ReadInt16();
            }
            for (var i = 0; i < leaves.Length; i++) leaves[i] = reader.ReadDouble();

            for (var t = 0; t < count; t++)
            {
                var first = nodeStart[t];
                var nodes = nodeStart[t + 1] - first;
                for (var i = 0; i < nodes; i++)
                {
                    if (split[first + i] >= ForecastFeatures.Count)
                        return Result<CompiledTrees>.Fail($"tree {t}, node {i} splits on feature {split[first + i]} (there are {ForecastFeatures.Count})");
                    if (!float.IsFinite(threshold[first + i])) return Result<CompiledTrees>.Fail($"tree {t}, node {i} has the threshold {threshold[first + i]}");
                }
                for (var i = 0; i <= nodes; i++)
                    if (!double.IsFinite(leaves[leafStart[t] + i])) return Result<CompiledTrees>.Fail($"tree {t}, leaf {i} has the value {leaves[leafStart[t] + i]}");
                if (Unreachable(lefts.AsSpan(first, nodes), rights.AsSpan(first, nodes)) is { } wrong) return Result<CompiledTrees>.Fail($"tree {t}: {wrong}");
            }
            return Result<CompiledTrees>.Ok(new CompiledTrees(nodeStart, leafStart, split, threshold, lefts, rights, leaves));
        }

        // Walks a tree from its root (node 0): each child must be a node or leaf of the tree not reached before, and
        // every one must be reached. Null when it is a tree, otherwise what is wrong.
        private static string? Unreachable(ReadOnlySpan<short> lefts, ReadOnlySpan<short> rights)
        {
            var nodes = lefts.Length;
            if (nodes == 0) return null;
            var nodeSeen = new bool[nodes];
            var leafSeen = new bool[nodes + 1];
            var stack = new Stack<int>();
            stack.Push(0);
            nodeSeen[0] = true;
            while (stack.TryPop(out var node))
            {
                foreach (int child in (ReadOnlySpan<short>)[lefts[node], rights[node]])
                {
                    if (child >= 0)
                    {
                        if (child >= nodes || nodeSeen[child]) return $"node {node} points to node {child}, " + (child >= nodes ? $"which it does not have ({nodes} nodes)" : "reached before");
                        nodeSeen[child] = true;
                        stack.Push(child);
                    }
                    else
                    {
                        var leaf = ~child;
                        if (leaf > nodes || leafSeen[leaf]) return $"node {node} points to leaf {leaf}, " + (leaf > nodes ? $"which it does not have ({nodes + 1} leaves)" : "reached before");
                        leafSeen[leaf] = true;
                    }
                }
            }
            return Array.IndexOf(nodeSeen, false) is var lost and >= 0 ? $"node {lost} is not reached from the root"
                : Array.IndexOf(leafSeen, false) is var lostLeaf and >= 0 ? $"leaf {lostLeaf} is not reached from the root" : null;
        }

        public double Evaluate(int tree, ReadOnlySpan<float> features)
        {
            var nodes = nodeStart[tree];
            if (nodeStart[tree + 1] == nodes) return leaves[leafStart[tree]];
            var node = 0;
            while (true)
            {
                var n = nodes + node;
                int next = features[split[n]] <= threshold[n] ? left[n] : right[n];
                if (next < 0) return leaves[leafStart[tree] + ~next];
                node = next;
            }
        }
    }
}
