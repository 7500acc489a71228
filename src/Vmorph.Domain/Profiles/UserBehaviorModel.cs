using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>Recorded consent to model user behaviour on a VM.</summary>
/// <param name="GrantedBy">Who gave consent (an operator's name or ticket).</param>
/// <param name="GrantedAt">When.</param>
/// <param name="Scope">What it covers, in the grantor's words.</param>
public sealed record UserConsent(string GrantedBy, DateTimeOffset GrantedAt, string Scope);

/// <summary>The activity of one (anonymised) user.</summary>
/// <param name="UserKey">A keyed hash of the user name: the name itself is never stored.</param>
/// <param name="Sessions">Distinct sessions seen.</param>
/// <param name="ActiveHours">Snapshots with an interactive session, per hour of the day (UTC).</param>
/// <param name="RemoteSessions">Sessions that came over the network.</param>
/// <param name="LastSessionStart">The start of the latest session counted.</param>
public sealed record UserActivity(string UserKey, long Sessions, ImmutableArray<long> ActiveHours, long RemoteSessions, DateTimeOffset LastSessionStart);

/// <summary>
/// The seed's optional <c>UserBehaviorModel</c>: when people use a VM and how. It is empty unless consent is recorded;
/// user names are replaced by keyed hashes before anything is kept; withdrawing consent deletes it.
/// </summary>
public sealed record UserBehaviorModel
{
    /// <summary>The most users kept.</summary>
    public const int MaxUsers = 32;

    /// <summary>No consent, nothing kept.</summary>
    public static UserBehaviorModel Empty { get; } = new();

    /// <summary>The consent in force, or null.</summary>
    public UserConsent? Consent { get; init; }

    /// <summary>Users by anonymised key.</summary>
    public ImmutableSortedDictionary<string, UserActivity> Users { get; init; } = ImmutableSortedDictionary<string, UserActivity>.Empty;

    /// <summary>Whether anything is kept.</summary>
    public bool IsObserved => Users.Count > 0;

    /// <summary>Records consent; activity is modelled from then on.</summary>
    public UserBehaviorModel Grant(UserConsent consent) => this with { Consent = consent };

    /// <summary>Withdraws consent: everything kept is deleted.</summary>
    public static UserBehaviorModel Withdraw() => Empty;

    /// <summary>
    /// Folds the sessions of a snapshot, if consent is recorded; otherwise returns this model unchanged (empty).
    /// <paramref name="anonymisationKey"/> is the installation's secret for the keyed hash.
    /// </summary>
    public UserBehaviorModel Fold(InventorySnapshot snapshot, ReadOnlySpan<byte> anonymisationKey)
    {
        if (Consent is null || snapshot.Sessions.Count == 0) return this;
        var users = Users.ToBuilder();
        var hour = snapshot.At.UtcDateTime.Hour;
        foreach (var group in snapshot.Sessions.GroupBy(s => s.User, StringComparer.Ordinal))
        {
            var key = Anonymise(group.Key, anonymisationKey);
            var known = users.GetValueOrDefault(key) ?? new UserActivity(key, 0, ImmutableArray.Create(new long[24]), 0, DateTimeOffset.MinValue);
            var newSessions = group.Where(s => s.Start > known.LastSessionStart).ToList();
            users[key] = known with
            {
                Sessions = known.Sessions + newSessions.Count,
                RemoteSessions = known.RemoteSessions + newSessions.Count(s => s.Remote),
                ActiveHours = known.ActiveHours.SetItem(hour, known.ActiveHours[hour] + 1),
                LastSessionStart = newSessions.Count > 0 ? newSessions.Max(s => s.Start) : known.LastSessionStart,
            };
        }
        while (users.Count > MaxUsers)
            users.Remove(users.Values.OrderBy(u => u.Sessions).First().UserKey);
        return this with { Users = users.ToImmutable() };
    }

    /// <summary>The keyed hash that stands for a user name (HMAC-SHA-256, first 16 hex digits).</summary>
    public static string Anonymise(string user, ReadOnlySpan<byte> key) =>
        "user-" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(user)))[..16];
}
