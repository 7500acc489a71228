using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
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

    /// <summary>How vmorph reaches inside the VM.</summary>
    public required GuestAccess Guest { get; init; }

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

    /// <summary>The content address of a plan: SHA-256 over its identity, base, result and steps, first 16 hex digits.</summary>
    public static string ComputeId(Plan plan)
    {
        var text = new StringBuilder();
        text.Append(plan.Vm.Value).Append('\n').Append(plan.TargetProfile).Append('\n').Append(plan.Host).Append('\n')
            .Append(plan.Guest).Append('\n').Append(plan.BaseHash).Append('\n').Append(plan.ExpectedHash).Append('\n');
        foreach (var step in plan.Steps)
        {
            text.Append(step.Index).Append(' ').Append(step.Kind).Append(' ').Append(step.Mode).Append(' ').Append(step.Channel)
                .Append(' ').Append(step.RequiresSnapshot).Append(' ').Append(step.Inverse.Mechanism).Append(' ').Append(step.Inverse.Mode).Append('\n');
            foreach (var change in step.Changes)
                text.Append("  ").Append(change.Path).Append('=').Append(change.Before ?? "\0").Append("->").Append(change.After ?? "\0").Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
