using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Units;

namespace Vmorph.Loop.Grains;

/// <summary>
/// <see cref="VmObservations"/> as it crosses a grain boundary (possibly to another silo): primitives, and the
/// configuration and in-guest view as the JSON the store keeps them in. The pure domain types stay free of Orleans.
/// The configuration rarely changes: the collector's sink sends it only when it differs from the one it sent the VM
/// last, and otherwise only its <see cref="ConfigurationTag"/>, which the grain matches against the one it holds.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ObservationMessage
{
    /// <summary>The VM.</summary>
    [Id(0)] public required string Vm { get; init; }

    /// <summary>Its name.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>The source its profile belongs to (<c>libvirt:qemu:///system</c>).</summary>
    [Id(2)] public required string Source { get; init; }

    /// <summary>The collector's connection URI.</summary>
    [Id(3)] public required string Uri { get; init; }

    /// <summary>The domain's state.</summary>
    [Id(4)] public DomainState State { get; init; }

    /// <summary>The domain's runtime id.</summary>
    [Id(5)] public int? RuntimeId { get; init; }

    /// <summary>The base image.</summary>
    [Id(6)] public string BaseImage { get; init; } = BaseImageId.Unknown.Value;

    /// <summary>The guest agent's state.</summary>
    [Id(7)] public GuestAgentState GuestAgent { get; init; }

    /// <summary>The configuration, as JSON; null when it is the one <see cref="ConfigurationTag"/> names, sent before.</summary>
    [Id(8)] public required byte[]? Configuration { get; init; }

    /// <summary>When, Unix milliseconds.</summary>
    [Id(9)] public long AtUnixMilliseconds { get; init; }

    /// <summary>Configuration-changing events.</summary>
    [Id(10)] public string[] Events { get; init; } = [];

    /// <summary>The sample's time, Unix seconds (null: no sample).</summary>
    [Id(11)] public long? SampleUnixSeconds { get; init; }

    /// <summary>The sample's values: cpu, cpu share, cpu allocated, memory bytes, memory share, memory allocated, disk read, disk write, net rx, net tx, cpu demand (NaN: absent).</summary>
    [Id(12)] public double[]? SampleValues { get; init; }

    /// <summary>Why there is no sample.</summary>
    [Id(13)] public string? NoRates { get; init; }

    /// <summary>Intervals missed.</summary>
    [Id(14)] public int Missed { get; init; }

    /// <summary>The in-guest view as JSON, or null.</summary>
    [Id(15)] public byte[]? Snapshot { get; init; }

    /// <summary>Why the guest could not be seen.</summary>
    [Id(16)] public string? GuestMissing { get; init; }

    /// <summary>Parts of the in-guest view that failed.</summary>
    [Id(17)] public string[] GuestProblems { get; init; } = [];

    /// <summary>How long the in-guest read took, ticks.</summary>
    [Id(18)] public long GuestElapsedTicks { get; init; }

    /// <summary>Labels from the domain's metadata.</summary>
    [Id(19)] public Dictionary<string, string> DomainLabels { get; init; } = [];

    /// <summary>Names the configuration's content (<see cref="TagOf"/> of its JSON), sent or not.</summary>
    [Id(20)] public long ConfigurationTag { get; init; }

    private static JsonSerializerOptions Json => ProfileCodec.JsonOptions;

    /// <summary>Encodes one VM's observations, its configuration with them.</summary>
    public static ObservationMessage From(VmObservations o, string source, string uri)
    {
        ArgumentNullException.ThrowIfNull(o);
        var configuration = EncodeConfiguration(o.Domain.Configuration);
        return From(o, source, uri, configuration, TagOf(configuration));
    }

    /// <summary>The configuration as the message carries it (JSON).</summary>
    public static byte[] EncodeConfiguration(VmConfiguration configuration) => JsonSerializer.SerializeToUtf8Bytes(configuration, Json);

    /// <summary>The tag of a configuration's JSON: the first 8 bytes of its SHA-256.</summary>
    public static long TagOf(ReadOnlySpan<byte> configurationJson) => BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(configurationJson));

    /// <summary>Encodes one VM's observations with the configuration's JSON, or without it (null) where the grain has the one <paramref name="tag"/> names.</summary>
    public static ObservationMessage From(VmObservations o, string source, string uri, byte[]? configuration, long tag)
    {
        ArgumentNullException.ThrowIfNull(o);
        var d = o.Domain;
        double[]? values = null;
        if (o.Sample is { } s)
        {
            values =
            [
                s.Cpu?.Value ?? double.NaN, s.CpuUtilisation?.Value ?? double.NaN, s.CpuAllocated?.Value ?? double.NaN,
                s.Memory?.Bytes ?? double.NaN, s.MemoryUtilisation?.Value ?? double.NaN, s.MemoryAllocated?.Bytes ?? double.NaN,
                s.DiskRead?.BytesPerSecond ?? double.NaN, s.DiskWrite?.BytesPerSecond ?? double.NaN,
                s.NetworkReceive?.BytesPerSecond ?? double.NaN, s.NetworkTransmit?.BytesPerSecond ?? double.NaN,
                s.CpuDemand?.Value ?? double.NaN,
            ];
        }
        return new ObservationMessage
        {
            Vm = d.Id.Value,
            Name = d.Name,
            Source = source,
            Uri = uri,
            State = d.State,
            RuntimeId = d.RuntimeId,
            BaseImage = d.BaseImage.Value,
            GuestAgent = d.GuestAgent,
            Configuration = configuration,
            ConfigurationTag = tag,
            AtUnixMilliseconds = o.At.ToUnixTimeMilliseconds(),
            Events = [.. o.Events],
            SampleUnixSeconds = o.Sample?.UnixSeconds,
            SampleValues = values,
            NoRates = o.NoRates,
            Missed = o.Missed,
            Snapshot = o.Snapshot is null ? null : JsonSerializer.SerializeToUtf8Bytes(o.Snapshot, Json),
            GuestMissing = o.GuestMissing,
            GuestProblems = [.. o.GuestProblems ?? []],
            GuestElapsedTicks = o.GuestElapsed.Ticks,
            DomainLabels = d.Labels is null ? [] : new Dictionary<string, string>(d.Labels, StringComparer.Ordinal),
        };
    }

    /// <summary>The configuration the message carries, decoded.</summary>
    /// <exception cref="FormatException">It carries none.</exception>
    public VmConfiguration DecodeConfiguration() =>
        (Configuration is null ? null : JsonSerializer.Deserialize<VmConfiguration>(Configuration, Json))
            ?? throw new FormatException($"the observation of VM {Vm} carries no configuration");

    /// <summary>Decodes it again, with the configuration it carries or, when it carries none, the one given.</summary>
    public VmObservations ToObservations(VmConfiguration? sentBefore = null)
    {
        var configuration = Configuration is null && sentBefore is not null ? sentBefore : DecodeConfiguration();
        var domain = new DomainDescription(new VmId(Vm), Name, State, RuntimeId, configuration, new BaseImageId(BaseImage), GuestAgent, DomainLabels);
        MetricSample? sample = null;
        if (SampleUnixSeconds is { } t && SampleValues is { Length: 11 } v)
        {
            sample = new MetricSample(
                DateTimeOffset.FromUnixTimeSeconds(t),
                cpu: Value(v[0], x => new CpuCores(x)),
                cpuUtilisation: Value(v[1], x => new Fraction(x)),
                cpuAllocated: Value(v[2], x => new CpuCores(x)),
                memory: Value(v[3], x => new MemorySize(x)),
                memoryUtilisation: Value(v[4], x => new Fraction(x)),
                memoryAllocated: Value(v[5], x => new MemorySize(x)),
                diskRead: Value(v[6], x => new ByteRate(x)),
                diskWrite: Value(v[7], x => new ByteRate(x)),
                networkReceive: Value(v[8], x => new ByteRate(x)),
                networkTransmit: Value(v[9], x => new ByteRate(x)),
                cpuDemand: Value(v[10], x => new CpuCores(x)));
        }
        var snapshot = Snapshot is null ? null : JsonSerializer.Deserialize<InventorySnapshot>(Snapshot, Json);
        return new VmObservations(domain, DateTimeOffset.FromUnixTimeMilliseconds(AtUnixMilliseconds), Events, sample, NoRates, Missed,
            snapshot, GuestMissing, GuestProblems, TimeSpan.FromTicks(GuestElapsedTicks));
    }

    private static T? Value<T>(double x, Func<double, T> make) where T : struct => double.IsNaN(x) ? null : make(x);
}

/// <summary>What a grain made of one VM's observations: the report the collector logs and carries events by.</summary>
/// <param name="ConfigurationVersion">The VM's configuration version after folding.</param>
/// <param name="NewVersion">The version made by this fold, or null.</param>
/// <param name="NewVersionHash">Its content hash.</param>
/// <param name="NewVersionCause">Its cause.</param>
/// <param name="NewVersionChanges">Its changes (path, before, after).</param>
[GenerateSerializer, Immutable]
public sealed record ObservationResult(
    [property: Id(0)] int? ConfigurationVersion,
    [property: Id(1)] int? NewVersion,
    [property: Id(2)] string? NewVersionHash,
    [property: Id(3)] string? NewVersionCause,
    [property: Id(4)] string[][] NewVersionChanges)
{
    /// <summary>
    /// Whether nothing was folded because the grain does not hold the configuration the message named without sending
    /// it (a grain activated since, or one that holds another): the sink sends the observation again with it.
    /// </summary>
    [Id(5)] public bool ConfigurationNeeded { get; init; }

    /// <summary>The answer to a message without the configuration the grain needs.</summary>
    public static ObservationResult NeedsConfiguration { get; } = new(null, null, null, null, []) { ConfigurationNeeded = true };
}
