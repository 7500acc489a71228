using System.Globalization;
using Microsoft.Diagnostics.Runtime;

namespace Vmorph.Benchmarks;

/// <summary>
/// Where a process's managed heap goes, read from a full dump (<c>createdump --full -f FILE PID</c>; serve-loop writes
/// one at its cycles' end when <c>VMORPH_BENCH_DUMP</c> names a file): the types holding the most bytes, and, for the
/// instances of one type, the bytes each of their fields holds.
/// </summary>
/// <remarks>
/// <para><c>heap-types DUMP [TOP]</c>: the TOP types (40) by bytes, with their count.</para>
/// <para>
/// <c>heap-types DUMP TOP TYPE [FIELD.PATH]</c>: also, over every instance of TYPE (its full name), the bytes reachable
/// through each field of the object at FIELD.PATH (dotted instance fields or properties; none: the instance itself), divided by the
/// instances. An object reachable from several places counts once, where it is met first (instances in heap order,
/// fields in declaration order), so the fields' bytes add up without counting what is shared twice; a field that
/// reaches what all share takes it whole, once. A grain's fields into the silo and its services are not walked
/// (<c>HEAP_SKIP</c> names the fields not walked). Fields of value types are walked through the references they hold.
/// </para>
/// </remarks>
internal static class HeapTypes
{
    public static int Run(string[] args, TextWriter output)
    {
        if (args.Length < 2)
        {
            output.WriteLine("usage: heap-types DUMP [TOP] [TYPE [FIELD.PATH]]");
            return 2;
        }
        var top = args.Length >= 3 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 40;
        using var target = DataTarget.LoadDump(args[1]);
        // The runtime's own data access library beside this process's runtime: the dump names no version ClrMD reads
        // on Linux, so run this with the runtime the dumped process ran.
        var clr = target.ClrVersions[0];
        var local = Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "libmscordaccore.so");
        using var runtime = File.Exists(local) ? clr.CreateRuntime(local, ignoreMismatch: true) : clr.CreateRuntime();
        var heap = runtime.Heap;

        var byType = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
        long total = 0;
        foreach (var o in heap.EnumerateObjects())
        {
            if (!o.IsValid || o.Type is null) continue;
            var name = o.Type.Name ?? "?";
            var size = (long)o.Size;
            byType[name] = byType.TryGetValue(name, out var t) ? (t.Count + 1, t.Bytes + size) : (1, size);
            total += size;
        }
        output.WriteLine(FormattableString.Invariant($"{total:N0} bytes in {byType.Values.Sum(t => t.Count):N0} objects of {byType.Count:N0} types"));
        foreach (var (name, (count, bytes)) in byType.OrderByDescending(kv => kv.Value.Bytes).Take(top))
            output.WriteLine(FormattableString.Invariant($"{bytes,14:N0} {count,10:N0}  {name}"));

        if (args.Length >= 4) Fields(heap, args[3], args.Length >= 5 ? args[4] : null, output);
        return 0;
    }

    // Fields that reach what every grain shares (its activation's way into the silo, the services, the logger) or the
    // grain itself (a closure's): not walked unless HEAP_SKIP (field names, ';' between) says otherwise.
    private const string DefaultSkipped = "<GrainContext>k__BackingField;<Runtime>k__BackingField;<services>P;<logger>P;<>4__this";

    private static void Fields(ClrHeap heap, string typeName, string? path, TextWriter output)
    {
        var instances = heap.EnumerateObjects().Where(o => o.IsValid && o.Type?.Name == typeName).ToList();
        if (instances.Count == 0)
        {
            output.WriteLine($"no instance of {typeName}");
            return;
        }
        // The instances themselves are not walked into again (a closure held by one refers back to it).
        var visited = instances.Select(o => o.Address).ToHashSet();
        var skipped = (Environment.GetEnvironmentVariable("HEAP_SKIP") ?? DefaultSkipped).Split(';', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var byField = new Dictionary<string, long>(StringComparer.Ordinal);
        var reached = 0;
        foreach (var instance in instances)
        {
            var at = instance;
            foreach (var step in (path ?? "").Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                if ((at.Type?.GetFieldByName(step) ?? at.Type?.GetFieldByName($"<{step}>k__BackingField")) is not { } f || !f.IsObjectReference) { at = default; break; }
                at = f.ReadObject(at.Address, interior: false);
                if (at.IsNull || !at.IsValid) break;
            }
            if (at.IsNull || !at.IsValid || at.Type is null) continue;
            reached++;
            visited.Add(at.Address);
            byField["(itself)"] = byField.GetValueOrDefault("(itself)") + (long)at.Size;
            foreach (var field in at.Type.Fields.Where(f => !skipped.Contains(f.Name ?? "")))
            {
                var roots = new List<ClrObject>();
                if (field.IsObjectReference)
                {
                    var child = field.ReadObject(at.Address, interior: false);
                    if (!child.IsNull && child.IsValid) roots.Add(child);
                }
                else if (field.IsValueType)
                {
                    StructReferences(field.ReadStruct(at.Address, interior: false), roots, 0);
                }
                var bytes = roots.Sum(r => Reachable(heap, r, visited));
                var name = field.Name ?? "?";
                byField[name] = byField.GetValueOrDefault(name) + bytes;
            }
        }
        output.WriteLine(FormattableString.Invariant($"{typeName}{(path is null ? "" : "." + path)}: {reached:N0} of {instances.Count:N0} instances; bytes an instance, by field:"));
        foreach (var (name, bytes) in byField.OrderByDescending(kv => kv.Value))
            output.WriteLine(FormattableString.Invariant($"{(double)bytes / reached,12:N0}  {name}"));
        output.WriteLine(FormattableString.Invariant($"{(double)byField.Values.Sum() / reached,12:N0}  (all)"));
    }

    // The objects a struct's fields refer to, those of the structs in it too.
    private static void StructReferences(ClrValueType value, List<ClrObject> roots, int depth)
    {
        if (!value.IsValid || value.Type is null || depth > 4) return;
        foreach (var field in value.Type.Fields)
        {
            if (field.IsObjectReference)
            {
                var child = field.ReadObject(value.Address, interior: true);
                if (!child.IsNull && child.IsValid) roots.Add(child);
            }
            else if (field.IsValueType)
            {
                StructReferences(field.ReadStruct(value.Address, interior: true), roots, depth + 1);
            }
        }
    }

    // The bytes of the objects reachable from `root` not met before.
    private static long Reachable(ClrHeap heap, ClrObject root, HashSet<ulong> visited)
    {
        long bytes = 0;
        var stack = new Stack<ClrObject>();
        if (visited.Add(root.Address)) stack.Push(root);
        while (stack.Count > 0)
        {
            var o = stack.Pop();
            bytes += (long)o.Size;
            foreach (var r in o.EnumerateReferences(carefully: false, considerDependantHandles: true))
                if (!r.IsNull && r.IsValid && visited.Add(r.Address)) stack.Push(r);
        }
        return bytes;
    }
}
