using System.Globalization;
using Vmorph.Configuration;
using Vmorph.Units;

namespace Vmorph.Planning;

/// <summary>
/// Applies changes given by canonical path (the keys of <see cref="VmConfiguration.Flatten"/>) to a configuration: what
/// a plan's steps and inverse steps do to the model, used to compute the expected result of a plan, to rebuild a saved
/// plan's base configuration, and to check plans in tests. Pure.
/// </summary>
public static class ConfigurationEditor
{
    /// <summary>Sets one path to the change's after-value (null removes it).</summary>
    public static VmConfiguration Apply(VmConfiguration configuration, ConfigurationChange change) => Set(configuration, change.Path, change.After);

    /// <summary>Applies changes in order.</summary>
    public static VmConfiguration Apply(VmConfiguration configuration, IEnumerable<ConfigurationChange> changes) =>
        changes.Aggregate(configuration, Apply);

    /// <summary>
    /// Applies changes in order after checking that each path still has the change's before-value; a mismatch fails
    /// naming the path and both values (the configuration moved since the plan was made).
    /// </summary>
    public static Result<VmConfiguration> ApplyChecked(VmConfiguration configuration, IEnumerable<ConfigurationChange> changes)
    {
        var errors = new List<string>();
        foreach (var change in changes)
        {
            configuration.Flatten().TryGetValue(change.Path, out var actual);
            if (actual != change.Before)
                errors.Add($"{change.Path}: expected {change.Before ?? "(none)"} but the configuration has {actual ?? "(none)"}");
            else
            {
                try
                {
                    configuration = Apply(configuration, change);
                }
                catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
                {
                    errors.Add($"{change.Path}: '{change.After}' is not a value it can have");
                }
            }
        }
        return errors.Count == 0 ? Result<VmConfiguration>.Ok(configuration) : Result<VmConfiguration>.Fail(errors);
    }

    /// <summary>Rebuilds a configuration from its canonical form; <c>FromFlat(c.Flatten())</c> has the same content hash as <c>c</c>.</summary>
    public static VmConfiguration FromFlat(IEnumerable<KeyValuePair<string, string>> flat) =>
        flat.Aggregate(new VmConfiguration(), (c, kv) => Set(c, kv.Key, kv.Value));

    /// <summary>Sets a canonical path to a value (null removes it). Unknown paths are a bug and throw.</summary>
    public static VmConfiguration Set(VmConfiguration c, string path, string? value)
    {
        switch (path)
        {
            case "vcpus.current": return c with { Vcpus = Int(value) };
            case "vcpus.maximum": return c with { MaxVcpus = Int(value) };
            case "memory.current": return c with { Memory = Bytes(value) };
            case "memory.maximum": return c with { MaxMemory = Bytes(value) };
            case "cpu.quota_us": return c with { CpuQuotaMicroseconds = Long(value) };
            case "cpu.period_us": return c with { CpuPeriodMicroseconds = Long(value) };
        }
        if (path.StartsWith("guest.", StringComparison.Ordinal))
        {
            var key = path["guest.".Length..];
            return c with { Guest = value is null ? c.Guest.Remove(key) : c.Guest.SetItem(key, value) };
        }
        if (path.StartsWith("disk.", StringComparison.Ordinal))
        {
            var (name, field) = Split(path, "disk.");
            var disk = c.Disks.GetValueOrDefault(name) ?? new DiskConfiguration();
            disk = field switch
            {
                "source" => disk with { Source = value },
                "capacity" => disk with { Capacity = Bytes(value) },
                "backing_image" => disk with { BackingImage = value },
                "read_bytes_sec" => disk with { ReadBytesPerSecond = value is null ? null : new ByteRate(Double(value)) },
                "write_bytes_sec" => disk with { WriteBytesPerSecond = value is null ? null : new ByteRate(Double(value)) },
                "total_iops_sec" => disk with { TotalIopsPerSecond = Long(value) },
                _ => throw new ArgumentException($"unknown disk setting '{field}' in path '{path}'", nameof(path)),
            };
            var empty = disk == new DiskConfiguration();
            return c with { Disks = empty ? c.Disks.Remove(name) : c.Disks.SetItem(name, disk) };
        }
        if (path.StartsWith("nic.", StringComparison.Ordinal))
        {
            var (name, field) = Split(path, "nic.");
            var nic = c.Nics.GetValueOrDefault(name) ?? new NicConfiguration();
            nic = field switch
            {
                "type" => nic with { Type = value },
                "model" => nic with { Model = value },
                "target" => nic with { Target = value },
                _ => throw new ArgumentException($"unknown NIC setting '{field}' in path '{path}'", nameof(path)),
            };
            var empty = nic == new NicConfiguration();
            return c with { Nics = empty ? c.Nics.Remove(name) : c.Nics.SetItem(name, nic) };
        }
        throw new ArgumentException($"unknown configuration path '{path}'", nameof(path));
    }

    private static (string Name, string Field) Split(string path, string prefix)
    {
        var rest = path[prefix.Length..];
        var dot = rest.LastIndexOf('.');
        if (dot <= 0) throw new ArgumentException($"configuration path '{path}' names no setting", nameof(path));
        return (rest[..dot], rest[(dot + 1)..]);
    }

    private static int? Int(string? value) => value is null ? null : int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static long? Long(string? value) => value is null ? null : long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double Double(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static MemorySize? Bytes(string? value) => value is null ? null : new MemorySize(Double(value));

    /// <summary>The canonical text of a number, as <see cref="VmConfiguration.Flatten"/> writes it.</summary>
    public static string Text(double value) => Convert.ToString(value, CultureInfo.InvariantCulture);

    /// <summary>The canonical text of an integer.</summary>
    public static string Text(long value) => Convert.ToString(value, CultureInfo.InvariantCulture);
}
