using Vmorph.Observations;
using Vmorph.Profiles;

namespace Vmorph.TargetProfiles;

/// <summary>Evaluates relative sizes against a <see cref="PersonalityProfile"/>'s decaying distributions.</summary>
public sealed class ProfileSizeContext : ISizeContext
{
    private readonly PersonalityProfile? profile;

    /// <summary>Creates a context over a profile; null means the VM has no profile, so every relative size lacks data.</summary>
    public ProfileSizeContext(PersonalityProfile? profile, string subject)
    {
        this.profile = profile;
        Subject = subject;
    }

    /// <inheritdoc />
    public string Subject { get; }

    /// <inheritdoc />
    public double? Statistic(Metric metric, SizeStatistic statistic, double quantile)
    {
        var summary = profile?.Performance[metric];
        if (summary is null || summary.Count == 0) return null;
        return statistic switch
        {
            SizeStatistic.Percentile => summary.Percentile(quantile),
            SizeStatistic.Mean => summary.Mean,
            SizeStatistic.Peak => double.IsFinite(summary.Maximum) ? summary.Maximum : null,
            _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, null),
        };
    }
}
