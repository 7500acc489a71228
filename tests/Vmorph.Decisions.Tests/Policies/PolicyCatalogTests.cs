using Vmorph.Policies;

namespace Vmorph.Decisions.Tests.Policies;

public class PolicyCatalogTests
{
    [Fact]
    public void BuiltIn_AllPoliciesValidate_AndVmorphIsTheDefault()
    {
        var catalog = PolicyCatalog.BuiltIn;
        Assert.Contains(catalog.Policies, p => p.Name == PolicyCatalog.DefaultPolicy);
        var vmorph = catalog.Find("vmorph")!;
        Assert.NotNull(vmorph.Demand);
        Assert.NotNull(vmorph.Predictive);
        Assert.NotNull(vmorph.Workload);
        Assert.Equal(ForecastModel.Auto, vmorph.Predictive!.Model);
        Assert.True(vmorph.MaxMorphsPerDay <= 6);
        Assert.Equal("vmorph", catalog.For("bitbrains:1", "bitbrains:1", new Dictionary<string, string>())!.Name);
    }

    [Theory]
    [InlineData("Europe/")]
    [InlineData("Europe")]
    [InlineData("../../../etc/passwd")]
    public void Build_TimeZoneNamingADirectoryOrAPath_IsRefusedAsUnknownNotThrown(string zone)
    {
        // Found by the fuzzer: "Europe/" names a directory of the zone database, which .NET reports as a SecurityException.
        var yaml = $"policies:\n  - name: night\n    time-zone: \"{zone}\"\n";
        var result = PolicyCatalog.Build([("policies.yaml", yaml)]);
        Assert.False(result.IsSuccess);
        Assert.Contains($"policies.yaml: policy 'night': time-zone: '{zone}' is not a known time zone (use an IANA name such as Europe/Amsterdam, or UTC)", result.Errors);
    }

    [Fact]
    public void Build_ManyMistakes_ReportsEveryErrorAtOnceWithFileAndField()
    {
        const string yaml = """
            policies:
              - name: night
                cooldown: 5x
                max-morphs-per-day: lots
                time-zone: Mars/Olympus
                bounds:
                  cpu: { min: 8, max: 4 }
                  memory: { max: 12 potatoes }
                triggers:
                  resource-demand: { cpu-percentile: 1.5, half-life: soon }
                  predictive: { model: crystal-ball }
                  scheduled:
                    schedules:
                      - cron: "61 * * * *"
                        cpu: 1
                      - cron: "0 6 * * *"
                colour: blue
            """;
        var result = PolicyCatalog.Build([("policies.yaml", yaml)]);
        Assert.False(result.IsSuccess);
        var errors = result.Errors;
        Assert.Contains("policies.yaml: policy 'night': cooldown: '5x' is not a duration (write 30s, 5m, 2h, 1d or 1h30m)", errors);
        Assert.Contains("policies.yaml: policy 'night': max-morphs-per-day: 'lots' is not a whole number of morphs, 1 or more", errors);
        Assert.Contains("policies.yaml: policy 'night': time-zone: 'Mars/Olympus' is not a known time zone (use an IANA name such as Europe/Amsterdam, or UTC)", errors);
        Assert.Contains("policies.yaml: policy 'night': bounds.cpu: min (8) exceeds max (4)", errors);
        Assert.Contains("policies.yaml: policy 'night': bounds.memory.max: '12 potatoes' is not a memory size up to 1 PiB (write 512MiB, 2GiB)", errors);
        Assert.Contains("policies.yaml: policy 'night': triggers.resource-demand.cpu-percentile: '1.5' is not a share above 0 and up to 1 (write 0.95 or 95%)", errors);
        Assert.Contains("policies.yaml: policy 'night': triggers.resource-demand.half-life: 'soon' is not a duration (write 30s, 5m, 2h, 1d or 1h30m)", errors);
        Assert.Contains("policies.yaml: policy 'night': triggers.predictive.model: 'crystal-ball' is not one of auto, seasonal, fasttree, recent-peak, conformal", errors);
        Assert.Contains(errors, e => e.StartsWith("policies.yaml: policy 'night': triggers.scheduled.schedules[1].cron: '61 * * * *' is not a cron expression", StringComparison.Ordinal));
        Assert.Contains("policies.yaml: policy 'night': triggers.scheduled.schedules[2]: a schedule needs cpu, memory, or restore: true", errors);
        Assert.Contains(errors, e => e.StartsWith("policies.yaml: policy 'night': colour: unknown key", StringComparison.Ordinal));
        Assert.True(errors.Count == 11, string.Join("\n", errors));
    }

    [Fact]
    public void Build_ErrorsInTwoFiles_AreAllReported()
    {
        var result = PolicyCatalog.Build([
            ("a.yaml", "policies:\n  - name: A\n"),
            ("b.yaml", "policies:\n  - name: b\n    reserve-for-growth: 4\n    max-morphs-per-day: 4\n"),
        ]);
        Assert.Equal(
            [
                "a.yaml: policy 'A': name: 'A' must be lower-case letters, digits and dashes",
                "b.yaml: policy 'b': reserve-for-growth: 4 leaves no morph for shrinking: it must be less than max-morphs-per-day (4)",
            ],
            result.Errors);
    }

    [Fact]
    public void Build_LaterFileOverridesAPolicyOfTheSameName()
    {
        var result = PolicyCatalog.Build([
            ("first.yaml", "policies:\n  - name: p\n    cooldown: 1h\n"),
            ("second.yaml", "policies:\n  - name: p\n    cooldown: 2h\n"),
        ]);
        Assert.True(result.IsSuccess);
        var p = Assert.Single(result.Value.Policies);
        Assert.Equal(TimeSpan.FromHours(2), p.Cooldown);
        Assert.Equal("second.yaml", p.Source);
    }

    [Fact]
    public void For_MostSpecificMatchWins()
    {
        const string yaml = """
            policies:
              - name: everyone
                match: { names: ["*"] }
              - name: web-group
                match: { names: ["web-*"] }
              - name: tier-db
                match: { labels: { tier: db } }
              - name: the-one
                match: { names: [web-7] }
              - name: unmatched
            """;
        var catalog = PolicyCatalog.Build([("p.yaml", yaml)]).Value;
        var none = new Dictionary<string, string>();
        var db = new Dictionary<string, string> { ["tier"] = "db" };
        Assert.Equal("the-one", catalog.For("web-7", "id-7", none)!.Name);
        Assert.Equal("web-group", catalog.For("web-8", "id-8", none)!.Name);
        Assert.Equal("tier-db", catalog.For("db-1", "id-1", db)!.Name);
        Assert.Equal("everyone", catalog.For("batch-1", "id-2", none)!.Name);
        Assert.NotEqual("unmatched", catalog.For("unmatched", "unmatched", none)!.Name);
    }

    [Fact]
    public void Guard_WindowsAreReadPerPolicy_AndAWindowLeftOutIsTheLoops()
    {
        const string yaml = """
            policies:
              - name: quick
                guard: { baseline: 20s, observe: 1m30s }
              - name: only-observe
                guard: { observe: 45s }
              - name: unconfirmed
                guard: { confirm: false }
              - name: plain
            """;
        var catalog = PolicyCatalog.Build([("p.yaml", yaml)]).Value;
        Assert.Equal(new GuardWindows(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(90)), catalog.Find("quick")!.Guard);
        Assert.Equal(new GuardWindows(null, TimeSpan.FromSeconds(45)), catalog.Find("only-observe")!.Guard);
        Assert.Equal(new GuardWindows(null, null, Confirm: false), catalog.Find("unconfirmed")!.Guard);
        Assert.True(catalog.Find("plain")!.Guard.Confirm);
        Assert.Equal(GuardWindows.LoopDefaults, catalog.Find("plain")!.Guard);
        Assert.All(PolicyCatalog.BuiltIn.Policies, p => Assert.Equal(GuardWindows.LoopDefaults, p.Guard));
    }

    [Fact]
    public void GrowWindow_LongerThanThePeakWindow_OrNotADuration_AndGrowHeadroomNotAShare_AreEachNamed()
    {
        const string yaml = """
            policies:
              - name: long
                triggers:
                  resource-demand: { peak-window: 2d, grow-window: 3d }
              - name: words
                triggers:
                  resource-demand: { grow-window: soon, grow-headroom: lots }
            """;
        var errors = PolicyCatalog.Build([("p.yaml", yaml)]).Errors;
        Assert.Contains("p.yaml: policy 'long': triggers.resource-demand.grow-window: at most the peak window (2d): the VM grows at most to that window's peak", errors);
        Assert.Contains("p.yaml: policy 'words': triggers.resource-demand.grow-window: 'soon' is not a duration (write 30s, 5m, 2h, 1d or 1h30m)", errors);
        Assert.Contains("p.yaml: policy 'words': triggers.resource-demand.grow-headroom: 'lots' is not a share from 0 to 1 (write 0.95 or 95%)", errors);
        Assert.True(errors.Count == 3, string.Join("\n", errors));
    }

    [Fact]
    public void Guard_WindowsTooShortTooLongOrNotDurations_AreEachNamed()
    {
        const string yaml = """
            policies:
              - name: bad
                guard: { baseline: 5s, observe: 2h }
              - name: worse
                guard: { baseline: soon, observe: 19s, watch: 1m, confirm: maybe }
            """;
        var errors = PolicyCatalog.Build([("p.yaml", yaml)]).Errors;
        Assert.Contains("p.yaml: policy 'bad': guard.baseline: '5s' is shorter than 20s: the guard samples every 2 s and needs 10 samples in each window", errors);
        Assert.Contains("p.yaml: policy 'bad': guard.observe: '2h' is longer than 1h: a morph holds its VM for both windows", errors);
        Assert.Contains("p.yaml: policy 'worse': guard.baseline: 'soon' is not a duration (write 30s, 5m, 2h, 1d or 1h30m)", errors);
        Assert.Contains("p.yaml: policy 'worse': guard.observe: '19s' is shorter than 20s: the guard samples every 2 s and needs 10 samples in each window", errors);
        Assert.Contains(errors, e => e.Contains("watch", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("p.yaml: policy 'worse': guard.confirm: ", StringComparison.Ordinal) && e.Contains("maybe", StringComparison.Ordinal));
        Assert.Equal(6, errors.Count);
    }

    [Theory]
    [InlineData("web-*", "web-1", true)]
    [InlineData("web-*", "db-1", false)]
    [InlineData("bitbrains:?", "bitbrains:7", true)]
    [InlineData("bitbrains:?", "bitbrains:17", false)]
    [InlineData("*-db-*", "eu-db-3", true)]
    public void Glob_MatchesWholeNames(string pattern, string text, bool expected) =>
        Assert.Equal(expected, PolicyMatch.Glob(pattern, text));
}
