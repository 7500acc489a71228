using System.Collections.Immutable;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Traits;

namespace Vmorph.Domain.Tests.Traits;

/// <summary>
/// The scorer's rules as docs/TRAITS.md states them, on one archetype whose every score can be worked by hand:
/// <c>db = (0.5 × port.database + 0.3 × app.database + 0.2 × (1 − disk.write-share)) / 1.0</c>.
/// </summary>
public class ScorerRulesTests
{
    private const string Yaml = """
        recency:
          half-life: 1h
        archetypes:
          - name: db
            kind: workload
            features:
              port.database: 0.5
              app.database: 0.3
              disk.write-share: { weight: 0.2, invert: true }
        """;

    private static readonly ArchetypeCatalog Catalog = ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()), ("db.yaml", Yaml)]).Value;

    private static TraitScore Db(params (string Feature, double Value)[] features) =>
        TraitScorer.Score(new FeatureVector(features.ToImmutableSortedDictionary(f => f.Feature, f => f.Value, StringComparer.Ordinal)), Catalog)["db"]!;

    [Fact]
    public void InvertedFeature_CountsAsOneMinusItsValue()
    {
        var busyWriter = Db(("port.database", 1), ("app.database", 1), ("disk.write-share", 0.9));
        var reader = Db(("port.database", 1), ("app.database", 1), ("disk.write-share", 0.1));
        Assert.Equal(0.5 + 0.3 + 0.2 * 0.1, busyWriter.Score, 12);
        Assert.Equal(0.5 + 0.3 + 0.2 * 0.9, reader.Score, 12);
        var contribution = busyWriter.Contributions.Single(c => c.Feature == "disk.write-share");
        Assert.True(contribution.Inverted);
        Assert.Equal(0.1, contribution.Value, 12);
    }

    [Fact]
    public void MissingFeature_AddsNothing_AndKeepsItsWeightInTheDivisor()
    {
        var withoutDisk = Db(("port.database", 1), ("app.database", 1));
        // Not 0.8 / 0.8 = 1: no evidence is not evidence.
        Assert.Equal(0.8, withoutDisk.Score, 12);
        Assert.Equal(0.8, withoutDisk.Coverage, 12);
        Assert.Equal("disk.write-share", Assert.Single(withoutDisk.Missing));
    }

    [Fact]
    public void DecayedFeature_FallsByTheHalfLife_FromTheSnapshotsTimes()
    {
        var at = Samples.Monday;
        var profile = new PersonalityProfile(new VmId("test:decay"), "decay", "test") { EvidenceHalfLife = Catalog.EvidenceHalfLife };
        profile.Fold(new InventoryObservation(profile.Id, Database(at, running: true)));
        Assert.Equal(0.8, TraitScorer.Score(profile, Catalog)["db"]!.Score, 12);

        // One snapshot an hour (one half-life) later without the database: the first snapshot weighs 1/2, the second 1,
        // so the database ran in (1/2) / (1/2 + 1) = 1/3 of recent snapshots. Its lifetime share would be 1/2, and
        // "ever listened" 1 (a score of 0.65).
        profile.Fold(new InventoryObservation(profile.Id, Database(at.AddHours(1), running: false)));
        var features = FeatureExtractor.Extract(profile, Catalog);
        Assert.Equal(1.0 / 3, features["port.database"]!.Value, 12);
        Assert.Equal(1.0 / 3, features["app.database"]!.Value, 12);
        Assert.Equal(0.8 / 3, TraitScorer.Score(profile, Catalog)["db"]!.Score, 12);
        Assert.Equal(0.5, profile.Applications.Frequency("postgres"));
    }

    [Fact]
    public void SourceCode_IsAShareOfTheFiles_TheDatabaseAShareOfTheBytes()
    {
        // A development box with a 150 MB database and a 60 MB data set beside a 30 MB source tree: by bytes the tree
        // is an eighth, by files most of the disk.
        var profile = new PersonalityProfile(new VmId("test:footprint"), "footprint", "test");
        profile.Fold(new InventoryObservation(profile.Id, new InventorySnapshot
        {
            At = Samples.Monday,
            Footprint = new FootprintScan
            {
                Paths = ["/home", "/var/lib"],
                Categories = new Dictionary<string, CategoryCount>
                {
                    ["database"] = new(1_200, 150_000_000),
                    ["data"] = new(1, 60_000_000),
                    ["source-code"] = new(3_000, 30_000_000),
                },
            },
        }));
        var features = FeatureExtractor.Extract(profile, ArchetypeCatalog.BuiltIn);
        Assert.Equal(3_000.0 / 4_201, features["data.source-code"]!.Value, 12);
        Assert.Equal(150.0 / 240, features["data.database"]!.Value, 12);
    }

    [Fact]
    public void VmThatStoppedBeingADatabase_StopsLookingLikeOne()
    {
        var at = Samples.Monday;
        var profile = new PersonalityProfile(new VmId("test:change"), "change", "test") { EvidenceHalfLife = TimeSpan.FromHours(6) };
        for (var minute = 0; minute < 24 * 60; minute += 10) profile.Fold(new InventoryObservation(profile.Id, Database(at.AddMinutes(minute), running: true)));
        Assert.Equal(1, FeatureExtractor.Extract(profile, ArchetypeCatalog.BuiltIn)["app.database"]!.Value, 9);
        for (var minute = 24 * 60; minute < 72 * 60; minute += 10) profile.Fold(new InventoryObservation(profile.Id, Database(at.AddMinutes(minute), running: false)));
        var features = FeatureExtractor.Extract(profile, ArchetypeCatalog.BuiltIn);
        // Eight half-lives after it stopped: 2^-8 of its weight is left.
        Assert.InRange(features["app.database"]!.Value, 0, 1.0 / 256);
        Assert.InRange(features["port.database"]!.Value, 0, 1.0 / 256);
        Assert.InRange(features["app.web-server"]!.Value, 0.99, 1);
        Assert.InRange(features["port.web"]!.Value, 0.99, 1);
        Assert.True(profile.Network.ListensOn(5432), "the lifetime record keeps the port");
    }

    [Fact]
    public void Recency_DoesNotDependOnTheOrderSnapshotsArriveIn()
    {
        var at = Samples.Monday;
        var snapshots = Enumerable.Range(0, 30).Select(i => Database(at.AddMinutes(7 * i), running: i % 3 != 0)).ToList();
        var inOrder = snapshots.Aggregate(ApplicationUsageStats.Empty with { HalfLife = TimeSpan.FromHours(1) }, (s, x) => s.Fold(x));
        var shuffled = snapshots.OrderBy(s => (s.At.Minute * 7919) % 31).Aggregate(ApplicationUsageStats.Empty with { HalfLife = TimeSpan.FromHours(1) }, (s, x) => s.Fold(x));
        Assert.Equal(inOrder.RecentFrequency("postgres"), shuffled.RecentFrequency("postgres"), 12);
        var ports = snapshots.Aggregate(NetworkTrafficProfile.Empty with { HalfLife = TimeSpan.FromHours(1) }, (s, x) => s.Fold(x));
        var portsShuffled = snapshots.OrderBy(s => (s.At.Minute * 7919) % 31).Aggregate(NetworkTrafficProfile.Empty with { HalfLife = TimeSpan.FromHours(1) }, (s, x) => s.Fold(x));
        Assert.Equal(ports.ListeningShare(5432), portsShuffled.ListeningShare(5432), 12);
    }

    internal static InventorySnapshot Database(DateTimeOffset at, bool running) => new()
    {
        At = at,
        Processes = running
            ? [new ProcessInfo(100, "postgres", 10, 50_000_000, null, false)]
            : [new ProcessInfo(200, "nginx", 10, 5_000_000, null, false)],
        Sockets = running
            ? [new SocketInfo("tcp", true, 5432, null, null, "postgres")]
            : [new SocketInfo("tcp", true, 80, null, null, "nginx")],
    };
}
