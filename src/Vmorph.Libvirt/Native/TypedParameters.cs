using System.Globalization;
using System.Runtime.InteropServices;

namespace Vmorph.Libvirt.Native;

/// <summary>Reads libvirt's <c>virTypedParameter</c> arrays (96 bytes each: 80-byte name, int type, padding, 8-byte value).</summary>
internal static class TypedParameters
{
    private const int Size = 96;
    private const int NameLength = 80;

    /// <summary>Reads <paramref name="count"/> parameters as name → value (numbers as they are, strings copied).</summary>
    public static Dictionary<string, object> Read(IntPtr parameters, int count)
    {
        var values = new Dictionary<string, object>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var p = parameters + i * Size;
            var name = Marshal.PtrToStringUTF8(p, NameLength);
            var nul = name.IndexOf('\0', StringComparison.Ordinal);
            if (nul >= 0) name = name[..nul];
            var type = Marshal.ReadInt32(p, NameLength);
            var value = p + NameLength + 8;
            object? v = type switch
            {
                1 => Marshal.ReadInt32(value),
                2 => (long)(uint)Marshal.ReadInt32(value),
                3 => Marshal.ReadInt64(value),
                4 => Marshal.ReadInt64(value),
                5 => BitConverter.Int64BitsToDouble(Marshal.ReadInt64(value)),
                6 => Marshal.ReadInt32(value) != 0,
                7 => Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(value)),
                _ => null,
            };
            if (v is not null) values[name] = v;
        }
        return values;
    }

    /// <summary>
    /// Writes parameters for a setter (<c>virDomainSetBlockIoTune</c>, <c>virDomainSetSchedulerParametersFlags</c>):
    /// <see cref="long"/> values as <c>VIR_TYPED_PARAM_LLONG</c>, <see cref="ulong"/> values as
    /// <c>VIR_TYPED_PARAM_ULLONG</c>. The caller frees the block with <see cref="Marshal.FreeHGlobal"/>.
    /// </summary>
    public static IntPtr Write(IReadOnlyList<(string Name, object Value)> parameters)
    {
        var block = Marshal.AllocHGlobal(Math.Max(1, parameters.Count) * Size);
        for (var i = 0; i < parameters.Count * Size; i++) Marshal.WriteByte(block, i, 0);
        for (var i = 0; i < parameters.Count; i++)
        {
            var (name, value) = parameters[i];
            var bytes = System.Text.Encoding.ASCII.GetBytes(name);
            if (bytes.Length >= NameLength) throw new ArgumentException($"parameter name '{name}' is too long", nameof(parameters));
            var p = block + i * Size;
            Marshal.Copy(bytes, 0, p, bytes.Length);
            switch (value)
            {
                case long l:
                    Marshal.WriteInt32(p, NameLength, 3);
                    Marshal.WriteInt64(p, NameLength + 8, l);
                    break;
                case ulong u:
                    Marshal.WriteInt32(p, NameLength, 4);
                    Marshal.WriteInt64(p, NameLength + 8, unchecked((long)u));
                    break;
                default:
                    Marshal.FreeHGlobal(block);
                    throw new ArgumentException($"parameter '{name}': {value.GetType().Name} is not written (long or ulong only)", nameof(parameters));
            }
        }
        return block;
    }

    /// <summary>A numeric parameter as a long, or null.</summary>
    public static long? Long(this IReadOnlyDictionary<string, object> values, string name) => values.TryGetValue(name, out var v) ? v switch
    {
        int i => i,
        long l => l,
        double d => (long)d,
        bool b => b ? 1 : 0,
        string s when long.TryParse(s, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    } : null;

    /// <summary>A string parameter, or null.</summary>
    public static string? String(this IReadOnlyDictionary<string, object> values, string name) => values.TryGetValue(name, out var v) ? v as string : null;
}
