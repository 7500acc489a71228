using System.Text.Json;
using Vmorph.Collection;

namespace Vmorph.Libvirt;

/// <summary>
/// Maps the QEMU guest agent's answer to <c>guest-get-cpustats</c> (QEMU 7.1 and later; per online CPU the guest's
/// <c>/proc/stat</c> times in milliseconds) to each CPU's busy and idle time, <see cref="GuestCpuTime"/> (pure).
/// </summary>
internal static class AgentCpuStats
{
    /// <summary>The command, as sent to the agent.</summary>
    public const string Command = """{"execute":"guest-get-cpustats"}""";

    private static readonly string[] BusyFields = ["user", "nice", "system", "irq", "softirq", "steal"];
    private static readonly string[] IdleFields = ["idle", "iowait"];

    /// <summary>The guest's CPU times, or an empty list when the answer holds none of the Linux kind or is not JSON.</summary>
    public static IReadOnlyList<GuestCpuTime> Parse(string answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (!document.RootElement.TryGetProperty("return", out var cpus) || cpus.ValueKind != JsonValueKind.Array) return [];
            var times = new List<GuestCpuTime>();
            foreach (var cpu in cpus.EnumerateArray())
            {
                if (cpu.ValueKind != JsonValueKind.Object || !cpu.TryGetProperty("type", out var type) || type.GetString() != "linux") continue;
                if (!cpu.TryGetProperty("cpu", out var number) || !number.TryGetInt32(out var index)) continue;
                if (!cpu.TryGetProperty("idle", out _) || Sum(cpu, BusyFields) is not { } busy || Sum(cpu, IdleFields) is not { } idle) continue;
                times.Add(new GuestCpuTime(index, busy, idle));
            }
            return times;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    // A field the agent left out counts as zero (it sends only what the guest kernel reports; idle itself must be there);
    // a field that is not a non-negative integer spoils the CPU.
    private static long? Sum(JsonElement cpu, string[] fields)
    {
        long sum = 0;
        foreach (var field in fields)
        {
            if (!cpu.TryGetProperty(field, out var value)) continue;
            if (!value.TryGetInt64(out var milliseconds) || milliseconds < 0) return null;
            sum += milliseconds;
        }
        return sum;
    }
}
