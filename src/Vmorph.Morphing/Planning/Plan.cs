using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Vmorph.Configuration;
using Vmorph.Identity;

namespace Vmorph.Planning;

/// <summary>
/// A morph plan: for one VM, the configuration it was computed against (by content hash and in full, so a saved plan
/// whose VM has changed since is refused with the difference), the target profile, the trait comparison, the ordered
/// steps and the configuration they lead to. Immutable; its <see cref="Id"/> is a hash of its content, so a saved plan
/// that was edited is detected.
/// </summary>
public sealed record Plan
{
    /// <summary>The plan's content address (16 hex digits).</summary>
    public required string Id { get; init; }

    /// <summary>The VM.</summary>
    public required VmId Vm { get; init; }

    /// <summary>The VM's name.</summary>
    public required string VmName { get; init; }

    /// <summary>The target profile's name.</summary>
    public required string TargetProfile { get; init; }

    /// <summary>Where the target profile was defined.</summary>
    public required string TargetProfileSource { get; init; }

    /// <summary>The host the plan was made for (<see cref="HostCapabilities.Name"/>).</summary>
    public required string Host { get; init; }

    /// <summary>
    /// What the host could do when the plan was made, so that loading a saved plan can plan it again and compare; null
    /// for plans made without them (they are then checked step by step, not planned again).
    /// </summary>
    public HostCapabilities? Capabilities { get; init; }

    /// <summary>How vmorph reaches inside the VM.</summary>
    public required GuestAccess Guest { get; init; }

    /// <summary>When the morph takes its snapshot (which steps need it follows from this).</summary>
    public SnapshotPolicy Snapshot { get; init; } = SnapshotPolicy.Auto;

    /// <summary>When it was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The content hash of the configuration the plan was computed against.</summary>
    public required string BaseHash { get; init; }

    /// <summary>That configuration in canonical form.</summary>
    public required ImmutableSortedDictionary<string, string> Base { get; init; }

    /// <summary>The content hash of the configuration the steps lead to.</summary>
    public required string ExpectedHash { get; init; }

    /// <summary>The VM's traits against the target's expected traits.</summary>
    public required TraitComparison Traits { get; init; }

    /// <summary>The steps.</summary>
    public required ConfigurationDelta Delta { get; init; }

    /// <summary>The steps, in order.</summary>
    public ImmutableArray<PlanStep> Steps => Delta.Steps;

    /// <summary>The counts for the summary line.</summary>
    public PlanSummary Summary => Delta.Summary;

    /// <summary>Whether the plan changes anything.</summary>
    public bool HasChanges => !Delta.IsEmpty;

    /// <summary>The configuration the plan was computed against.</summary>
    public VmConfiguration BaseConfiguration() => ConfigurationEditor.FromFlat(Base);

    /// <summary>The configuration the plan leads to.</summary>
    public VmConfiguration ExpectedConfiguration() => Delta.ApplyTo(BaseConfiguration());

    /// <summary>
    /// The content address of a plan: SHA-256 over a canonical serialisation of everything that is applied or undone
    /// and everything it was computed from (<see cref="CanonicalContent"/>), first 16 hex digits.
    /// </summary>
    public static string ComputeId(Plan plan) => Convert.ToHexStringLower(SHA256.HashData(CanonicalContent(plan)))[..16];

    /// <summary>
    /// What the id covers, as compact JSON in a fixed order (UTF-8): the VM's id and name, the target profile and its
    /// source, the host and its recorded capabilities, the guest access, the snapshot policy, when it was made, the base
    /// configuration and its hash, the expected hash, the trait comparison (rounded as saved), and every step in full:
    /// index, kind, subject, mode, channel, changes, preconditions, risk, snapshot need and reason, and its whole
    /// inverse (kind, mode, mechanism, changes, note). Only what is derived from these (symbols, display texts, the
    /// summary) is left out.
    /// </summary>
    public static byte[] CanonicalContent(Plan plan)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("content", "vmorph-plan-id/2");
            w.WriteString("vm", plan.Vm.Value);
            w.WriteString("vmName", plan.VmName);
            w.WriteString("targetProfile", plan.TargetProfile);
            w.WriteString("targetProfileSource", plan.TargetProfileSource);
            w.WriteString("host", plan.Host);
            w.WritePropertyName("hostCapabilities");
            if (plan.Capabilities is { } h)
            {
                w.WriteStartObject();
                w.WriteString("name", h.Name);
                w.WriteNumber("cores", h.Cores);
                w.WriteNumber("memoryBytes", h.Memory.Bytes);
                w.WriteString("vcpuIncrease", h.VcpuIncrease.ToString());
                w.WriteString("vcpuDecrease", h.VcpuDecrease.ToString());
                w.WriteString("memoryWithinMaximum", h.MemoryWithinMaximum.ToString());
                w.WriteString("maximumChange", h.MaximumChange.ToString());
                w.WriteString("cpuQuota", h.CpuQuota.ToString());
                w.WriteString("diskIoLimits", h.DiskIoLimits.ToString());
                w.WriteString("diskGrow", h.DiskGrow.ToString());
                w.WriteString("nicBandwidth", h.NicBandwidth.ToString());
                w.WriteBoolean("snapshots", h.Snapshots);
                w.WriteNumber("defaultCpuPeriodMicroseconds", h.DefaultCpuPeriodMicroseconds);
                w.WriteEndObject();
            }
            else w.WriteNullValue();
            w.WriteString("guest", plan.Guest.ToString());
            w.WriteString("snapshot", plan.Snapshot.ToString());
            w.WriteString("createdAt", plan.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("baseHash", plan.BaseHash);
            w.WriteStartObject("base");
            foreach (var (path, value) in plan.Base.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(path, value);
            w.WriteEndObject();
            w.WriteString("expectedHash", plan.ExpectedHash);
            w.WriteNumber("distance", Math.Round(plan.Traits.Distance, 4));
            w.WriteStartArray("traits");
            foreach (var t in plan.Traits.Traits)
            {
                w.WriteStartObject();
                w.WriteString("trait", t.Trait);
                w.WriteNumber("expected", t.Expected);
                if (t.Actual is { } actual) w.WriteNumber("actual", Math.Round(actual, 4));
                else w.WriteNull("actual");
                w.WriteNumber("difference", Math.Round(t.Difference, 4));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("steps");
            foreach (var step in plan.Steps)
            {
                w.WriteStartObject();
                w.WriteNumber("index", step.Index);
                w.WriteString("kind", step.Kind.ToString());
                w.WriteString("subject", step.Subject);
                w.WriteString("mode", step.Mode.ToString());
                w.WriteString("channel", step.Channel.ToString());
                Changes(w, step.Changes);
                w.WriteStartArray("preconditions");
                foreach (var p in step.Preconditions)
                {
                    w.WriteStartObject();
                    w.WriteString("kind", p.Kind.ToString());
                    w.WriteString("description", p.Description);
                    w.WriteString("value", p.Value);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("riskLevel", step.Risk.Level.ToString());
                w.WriteString("riskReason", step.Risk.Reason);
                w.WriteBoolean("requiresSnapshot", step.RequiresSnapshot);
                w.WriteString("snapshotReason", step.SnapshotReason);
                w.WriteStartObject("inverse");
                w.WriteString("kind", step.Inverse.Kind.ToString());
                w.WriteString("mode", step.Inverse.Mode.ToString());
                w.WriteString("mechanism", step.Inverse.Mechanism.ToString());
                Changes(w, step.Inverse.Changes);
                w.WriteString("note", step.Inverse.Note);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return stream.ToArray();

        static void Changes(Utf8JsonWriter w, ImmutableArray<ConfigurationChange> changes)
        {
            w.WriteStartArray("changes");
            foreach (var c in changes)
            {
                w.WriteStartObject();
                w.WriteString("path", c.Path);
                w.WriteString("before", c.Before);
                w.WriteString("after", c.After);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
    }
}
