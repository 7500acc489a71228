using System.Text;

namespace Vmorph.Forecasting;

/// <summary>The model as bytes, so that a server keeps its fleet's model across a restart.</summary>
public sealed partial class FastTreeDemandModel
{
    /// <summary>The most bytes a model read back may have (vmorph's 60 trees take about 16 KB).</summary>
    public const int MaxBytes = 4 << 20;

    private const byte FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "VMFT"u8;

    /// <summary>
    /// The model as bytes: "VMFT", the format's version, the features' revision and count it was trained on, its
    /// horizon, training rows, bias and residual quantiles, then its trees (little-endian throughout).
    /// </summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(ForecastFeatures.Revision);
            writer.Write(ForecastFeatures.Count);
            writer.Write(HorizonSteps);
            writer.Write(TrainingRows);
            writer.Write(bias);
            writer.Write(residualQuantiles.Length);
            foreach (var q in residualQuantiles) writer.Write(q);
            trees.Write(writer);
        }
        return stream.ToArray();
    }

    /// <summary>
    /// The model <see cref="ToBytes"/> wrote, or why these bytes are not one this build can predict with: another
    /// format or features' revision, or anything out of place (nothing read is trusted: bounds, tree shapes and numbers
    /// are checked before the model is made).
    /// </summary>
    public static Result<FastTreeDemandModel> FromBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length > MaxBytes) return Result<FastTreeDemandModel>.Fail($"{bytes.Length} bytes, more than a model has ({MaxBytes})");
        if (bytes.Length < Magic.Length + 1 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return Result<FastTreeDemandModel>.Fail("not a FastTree model (no \"VMFT\" at its start)");
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        try
        {
            reader.ReadBytes(Magic.Length);
            if (reader.ReadByte() is var format and not FormatVersion) return Result<FastTreeDemandModel>.Fail($"format {format}; this build reads format {FormatVersion}");
            var revision = reader.ReadInt32();
            var features = reader.ReadInt32();
            if (revision != ForecastFeatures.Revision || features != ForecastFeatures.Count)
                return Result<FastTreeDemandModel>.Fail($"trained on {features} features of revision {revision}; this build computes {ForecastFeatures.Count} of revision {ForecastFeatures.Revision}");
            var horizon = reader.ReadInt32();
            var rows = reader.ReadInt32();
            var bias = reader.ReadDouble();
            if (horizon < 1) return Result<FastTreeDemandModel>.Fail($"a horizon of {horizon} steps");
            if (rows < 0) return Result<FastTreeDemandModel>.Fail($"{rows} training rows");
            if (!double.IsFinite(bias)) return Result<FastTreeDemandModel>.Fail($"the bias {bias}");
            var levels = reader.ReadInt32();
            if (levels != ResidualLevels.Length) return Result<FastTreeDemandModel>.Fail($"{levels} residual quantiles, not {ResidualLevels.Length}");
            var quantiles = new float[levels];
            for (var i = 0; i < levels; i++)
            {
                quantiles[i] = reader.ReadSingle();
                if (!float.IsFinite(quantiles[i]) || (i > 0 && quantiles[i] < quantiles[i - 1]))
                    return Result<FastTreeDemandModel>.Fail($"residual quantile {i} is {quantiles[i]} (finite, and none below the one before)");
            }
            var trees = CompiledTrees.Read(reader);
            if (!trees.IsSuccess) return Result<FastTreeDemandModel>.Fail(trees.Errors);
            return Result<FastTreeDemandModel>.Ok(new FastTreeDemandModel(trees.Value, bias, quantiles, rows, horizon));
        }
        catch (EndOfStreamException)
        {
            return Result<FastTreeDemandModel>.Fail($"it ends early, at byte {bytes.Length}");
        }
    }
}
