namespace Vmorph.Planning;

/// <summary>
/// The exit codes of <c>vmorph plan</c>, as <c>terraform plan -detailed-exitcode</c> has them, so scripts can tell
/// "nothing to do" from "changes" from "could not plan".
/// </summary>
public static class PlanExitCodes
{
    /// <summary>The plan is empty: the VM already matches the target.</summary>
    public const int NoChanges = 0;

    /// <summary>Planning failed (bad profile, no data, a refused change); the errors say why.</summary>
    public const int Error = 1;

    /// <summary>The plan has changes.</summary>
    public const int Changes = 2;

    /// <summary>The exit code for a planning result.</summary>
    public static int For(Result<Plan> result) => !result.IsSuccess ? Error : result.Value.HasChanges ? Changes : NoChanges;
}
