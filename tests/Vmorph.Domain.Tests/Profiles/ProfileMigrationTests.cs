using System.Text.Json.Nodes;
using Vmorph.Domain.Tests.Traits;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Traits;

namespace Vmorph.Domain.Tests.Profiles;

/// <summary>A profile stored before recency was kept (format 1) still loads, keeps what it saw, and fades from there.</summary>
public class ProfileMigrationTests
{
    // What format 1 wrote: today's document without the recency fields.
    private static readonly string[] RecencyFields = ["halfLife", "recentSnapshots", "recentInteractive", "lastInteractive", "recentPeakFanOut", "recentConnections"];

    private static byte[] AsFormat1(PersonalityProfile profile)
    {
        var doc = JsonNode.Parse(ProfileCodec.Encode(profile))!.AsObject();
        doc["format"] = 1;
        Strip(doc);
        // The applications' latest snapshot was kept before; the network's is new.
        doc["network"]!.AsObject().Remove("lastSnapshot");
        return System.Text.Encoding.UTF8.GetBytes(doc.ToJsonString());
    }

    private static void Strip(JsonNode? node)
    {
        if (node is JsonObject o)
        {
            foreach (var field in RecencyFields) o.Remove(field);
            foreach (var (_, child) in o.ToList()) Strip(child);
        }
        else if (node is JsonArray a)
        {
            foreach (var child in a) Strip(child);
        }
    }

    [Fact]
    public void Format1Profile_Loads_WithItsLifetimeCountsAsRecentOnes_AndFadesFromThere()
    {
        var at = Samples.Monday;
        var original = new PersonalityProfile(new VmId("test:old"), "old", "test");
        // The database ran in three of four snapshots.
        for (var i = 0; i < 4; i++) original.Fold(new InventoryObservation(original.Id, ScorerRulesTests.Database(at.AddMinutes(10 * i), running: i < 3)));
        var old = AsFormat1(original);
        Assert.DoesNotContain("recentSnapshots", System.Text.Encoding.UTF8.GetString(old), StringComparison.Ordinal);

        var loaded = ProfileCodec.Decode(old);
        Assert.Equal(4, loaded.Applications.Snapshots);
        Assert.Equal(0.75, loaded.Applications.Frequency("postgres"));
        var features = FeatureExtractor.Extract(loaded, ArchetypeCatalog.BuiltIn);
        // Its lifetime share at its last sighting, ten minutes before the latest snapshot (a day's half-life: ~0.9952).
        Assert.Equal(0.75 * Math.Pow(2, -10.0 / (24 * 60)), features["app.database"]!.Value, 9);
        // A port ever listened on counts as listened on in every snapshot up to its last sighting, and fades from there.
        Assert.Equal(Math.Pow(2, -10.0 / (24 * 60)), features["port.database"]!.Value, 9);
        Assert.Equal(Recency.DefaultHalfLife, loaded.EvidenceHalfLife);

        // Saved again, it is a document of today's format that loads the same.
        var again = ProfileCodec.Decode(ProfileCodec.Encode(loaded));
        Assert.Equal(ProfileCodec.Encode(loaded), ProfileCodec.Encode(again));

        // And it fades: a day later, without the database, its share has halved at least.
        loaded.Fold(new InventoryObservation(loaded.Id, ScorerRulesTests.Database(at.AddDays(1), running: false)));
        Assert.True(FeatureExtractor.Extract(loaded, ArchetypeCatalog.BuiltIn)["app.database"] < 0.75 / 2);
    }

    [Fact]
    public void UnknownFormat_IsRefusedNamingTheVersionsRead()
    {
        var doc = JsonNode.Parse(ProfileCodec.Encode(new PersonalityProfile(new VmId("test:x"), "x", "test")))!.AsObject();
        doc["format"] = 99;
        var e = Assert.Throws<FormatException>(() => ProfileCodec.Decode(System.Text.Encoding.UTF8.GetBytes(doc.ToJsonString())));
        Assert.Equal($"profile document format 99 is not supported (expected 1 to {ProfileCodec.FormatVersion})", e.Message);
    }
}
