namespace Vmorph.Observations;

/// <summary>The performance metrics a profile keeps a distribution of (the seed's <c>PerformanceMetrics</c>).</summary>
public enum Metric
{
    /// <summary>CPU in use, in cores.</summary>
    Cpu,
    /// <summary>CPU in use as a share of the CPU allocated.</summary>
    CpuUtilisation,
    /// <summary>Memory in use, in bytes.</summary>
    Memory,
    /// <summary>Memory in use as a share of the memory allocated.</summary>
    MemoryUtilisation,
    /// <summary>Disk reads, bytes per second.</summary>
    DiskRead,
    /// <summary>Disk writes, bytes per second.</summary>
    DiskWrite,
    /// <summary>Network received, bytes per second.</summary>
    NetworkReceive,
    /// <summary>Network transmitted, bytes per second.</summary>
    NetworkTransmit,
}

/// <summary>Names and units of <see cref="Metric"/>s, as they appear in output and documentation.</summary>
public static class Metrics
{
    /// <summary>Every metric, in declaration order.</summary>
    public static IReadOnlyList<Metric> All { get; } = Enum.GetValues<Metric>();

    /// <summary>The number of metrics.</summary>
    public const int Count = 8;

    /// <summary>The stable, dotted name of a metric (<c>cpu.utilisation</c>).</summary>
    public static string Name(this Metric metric) => metric switch
    {
        Metric.Cpu => "cpu",
        Metric.CpuUtilisation => "cpu.utilisation",
        Metric.Memory => "memory",
        Metric.MemoryUtilisation => "memory.utilisation",
        Metric.DiskRead => "disk.read",
        Metric.DiskWrite => "disk.write",
        Metric.NetworkReceive => "network.receive",
        Metric.NetworkTransmit => "network.transmit",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
    };

    /// <summary>The unit a metric's values are in.</summary>
    public static string Unit(this Metric metric) => metric switch
    {
        Metric.Cpu => "cores",
        Metric.CpuUtilisation or Metric.MemoryUtilisation => "fraction",
        Metric.Memory => "bytes",
        _ => "bytes/s",
    };
}
