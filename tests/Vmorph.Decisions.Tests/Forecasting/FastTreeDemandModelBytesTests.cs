using System.Buffers.Binary;
using Vmorph.Forecasting;

namespace Vmorph.Decisions.Tests.Forecasting;

/// <summary>
/// The fleet's model as bytes (what a server stores to predict with it again after a restart): it comes back predicting
/// exactly as before, and bytes that are not such a model (damaged, hostile, from another build) are refused naming
/// what is wrong, never thrown on, never a model that could read outside its arrays or loop.
/// </summary>
public class FastTreeDemandModelBytesTests
{
    private const int Horizon = 12;
    private static readonly long Start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    // Where things are in the bytes (FastTreeDemandModel.ToBytes): the header, then the tree count, each tree's node and
    // leaf counts, the nodes (split 1 byte, threshold 4, left 2, right 2) and the leaves (8 each).
    private const int FormatAt = 4;
    private const int RevisionAt = 5;
    private const int TreeCountAt = 4 + 1 + 4 + 4 + 4 + 4 + 8 + 4 + 8 * 4;

    private static readonly Lazy<FastTreeDemandModel> Trained = new(() =>
    {
        var series = Enumerable.Range(0, 4).Select(vm =>
        {
            var random = new Random(vm);
            var times = new long[3 * 288];
            var values = new double[times.Length];
            for (var i = 0; i < times.Length; i++)
            {
                times[i] = Start + 300L * i;
                values[i] = (1 + vm) * (0.2 + 0.6 * Math.Max(0, Math.Sin(2 * Math.PI * ((times[i] + 3600 * vm) % 86400) / 86400.0))) * (0.7 + 0.6 * random.NextDouble());
            }
            return new TrainingSeries(times, values, 8);
        }).ToList();
        return FastTreeDemandModel.Train(series, Horizon, TimeZoneInfo.Utc, 1, sampleEvery: 2, trees: 20)!;
    });

    private static float[][] FeatureVectors(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, ForecastFeatures.Count).Select(_ => (float)(random.NextDouble() * 2 - 0.5)).ToArray())];
    }

    private static int NodesAt(byte[] bytes) => TreeCountAt + 4 + 8 * BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(TreeCountAt));

    private static string Refusal(byte[] bytes)
    {
        var read = FastTreeDemandModel.FromBytes(bytes);
        Assert.False(read.IsSuccess, "damaged bytes were read as a model");
        return Assert.Single(read.Errors);
    }

    [Fact]
    public void AModel_ComesBackFromItsBytes_PredictingExactlyAsBefore()
    {
        var model = Trained.Value;
        var bytes = model.ToBytes();
        var read = FastTreeDemandModel.FromBytes(bytes);

        Assert.True(read.IsSuccess, string.Join("; ", read.Errors));
        var back = read.Value;
        Assert.Equal(model.HorizonSteps, back.HorizonSteps);
        Assert.Equal(model.TrainingRows, back.TrainingRows);
        Assert.Equal(20, back.TreeCount);
        foreach (var features in FeatureVectors(500, 3)) Assert.Equal(model.Predict(features), back.Predict(features));
        foreach (var q in new[] { 0.1, 0.5, 0.85, 0.9, 0.95, 0.99, 0.9995 }) Assert.Equal(model.ResidualQuantile(q), back.ResidualQuantile(q));
        Assert.Equal(bytes, back.ToBytes());
        // Small: 20 trees of up to 15 nodes.
        Assert.InRange(bytes.Length, 1_000, 8_000);
    }

    [Fact]
    public void EveryTruncation_IsRefusedSayingItEndsEarly_OrThatBytesAreMissing()
    {
        var bytes = Trained.Value.ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            var error = Refusal(bytes[..length]);
            Assert.True(error.Contains("ends early", StringComparison.Ordinal) || error.Contains("not a FastTree model", StringComparison.Ordinal)
                || error.Contains("bytes, and", StringComparison.Ordinal), $"cut at {length}: {error}");
        }
        Assert.Contains("take", Refusal([.. bytes, 0]), StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherFormatOrFeaturesRevision_IsRefusedNamingBoth()
    {
        var bytes = Trained.Value.ToBytes();
        var format = (byte[])bytes.Clone();
        format[FormatAt] = 2;
        Assert.Equal("format 2; this build reads format 1", Refusal(format));

        var revision = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(revision.AsSpan(RevisionAt), ForecastFeatures.Revision + 1);
        Assert.Equal($"trained on {ForecastFeatures.Count} features of revision {ForecastFeatures.Revision + 1}; this build computes {ForecastFeatures.Count} of revision {ForecastFeatures.Revision}",
            Refusal(revision));

        Assert.Equal("not a FastTree model (no \"VMFT\" at its start)", Refusal("{\"model\": 1}"u8.ToArray()));
        Assert.StartsWith($"{FastTreeDemandModel.MaxBytes + 1} bytes", Refusal(new byte[FastTreeDemandModel.MaxBytes + 1]), StringComparison.Ordinal);
    }

    [Fact]
    public void TreesThatCouldLoopOrReadOutsideTheirArrays_AreRefused()
    {
        var bytes = Trained.Value.ToBytes();
        var nodes = NodesAt(bytes);
        var treeNodes = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(TreeCountAt + 4));
        Assert.True(treeNodes >= 2, "the first tree has a root with a child node");

        // The root's left child pointing back to the root: a loop.
        var loop = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(loop.AsSpan(nodes + 5), 0);
        Assert.StartsWith("tree 0: node 0 points to node 0, reached before", Refusal(loop), StringComparison.Ordinal);

        // A child past the tree's nodes, and a leaf past its leaves.
        var outside = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(outside.AsSpan(nodes + 5), (short)treeNodes);
        Assert.Equal($"tree 0: node 0 points to node {treeNodes}, which it does not have ({treeNodes} nodes)", Refusal(outside));
        var leaf = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(leaf.AsSpan(nodes + 5), (short)~(treeNodes + 1));
        Assert.Equal($"tree 0: node 0 points to leaf {treeNodes + 1}, which it does not have ({treeNodes + 1} leaves)", Refusal(leaf));

        // A split on a feature there is not.
        var feature = (byte[])bytes.Clone();
        feature[nodes] = ForecastFeatures.Count;
        Assert.Equal($"tree 0, node 0 splits on feature {ForecastFeatures.Count} (there are {ForecastFeatures.Count})", Refusal(feature));

        // A leaf that is not a number.
        var nan = (byte[])bytes.Clone();
        var totalNodes = Enumerable.Range(0, Trained.Value.TreeCount).Sum(t => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(TreeCountAt + 4 + 8 * t)));
        BinaryPrimitives.WriteDoubleLittleEndian(nan.AsSpan(nodes + 9 * totalNodes), double.NaN);
        Assert.Equal("tree 0, leaf 0 has the value NaN", Refusal(nan));

        // Counts that do not fit the bytes there are, and too many trees: refused before anything is allocated for them.
        var counts = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(counts.AsSpan(TreeCountAt + 4), 4000);
        BinaryPrimitives.WriteInt32LittleEndian(counts.AsSpan(TreeCountAt + 8), 4001);
        Assert.Contains("bytes, and", Refusal(counts), StringComparison.Ordinal);
        var many = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(many.AsSpan(TreeCountAt), int.MaxValue);
        Assert.Equal($"{int.MaxValue} trees (1 to 1000)", Refusal(many));
    }

    [Fact]
    public void RandomDamage_IsRefusedOrGivesAModelThatPredicts_NeverAnException()
    {
        var bytes = Trained.Value.ToBytes();
        var random = new Random(11);
        var features = FeatureVectors(20, 5);
        var refused = 0;
        for (var trial = 0; trial < 3000; trial++)
        {
            var damaged = (byte[])bytes.Clone();
            for (var k = random.Next(1, 4); k > 0; k--) damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            var read = FastTreeDemandModel.FromBytes(damaged);
            if (!read.IsSuccess)
            {
                refused++;
                Assert.All(read.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e)));
                continue;
            }
            // A changed threshold or leaf is still a model: it must predict (inside its arrays, to the end of each tree).
            foreach (var f in features) read.Value.Predict(f);
        }
        Assert.InRange(refused, 300, 3000);
    }
}
