using Vmorph.Simulation.Output;
using Vmorph.Simulation.Scoring;

namespace Vmorph.Simulation.Tests;

public class FrontierTests
{
    private static PolicyScore Score(string name, double cores, double shortSteps, double unserved, double? memory = 0) =>
        new(name, 1, 1, 100, 0.5, shortSteps, unserved, (long)(shortSteps * 100), memory is null ? null : 0, memory, null, 0, 0, cores, 1, new Dictionary<string, long>());

    private static FrontierVerdict Verdict(params (string Kind, PolicyScore Score)[] rows) =>
        new([.. rows.Select(r => new PolicyInfo(r.Score.Policy, r.Kind, "", ""))], [.. rows.Select(r => r.Score)]);

    [Fact]
    public void Baselines_APolicyBeatsOne_WithLessCpuAtNoMoreShortfall()
    {
        var verdict = Verdict(
            (PolicyInfo.Baseline, Score("static", 8, 0.1, 0.01)),
            (PolicyInfo.Baseline, Score("vpa", 4, 0.03, 0.08, memory: 0.01)),
            (PolicyInfo.Baseline, Score("aws-co", 5, 0.001, 0.002)),
            (PolicyInfo.Vmorph, Score("lean", 3.5, 0.005, 0.004, memory: 0.0009)),
            (PolicyInfo.Vmorph, Score("safe", 4.9, 0.0002, 0.002, memory: 0.002)));
        var baselines = verdict.Baselines().ToDictionary(b => b.Baseline.Policy, b => b.BeatenBy);
        // static is no rightsizing: not a peer to beat.
        Assert.Equal(["vpa", "aws-co"], baselines.Keys);
        Assert.Equal(["lean"], baselines["vpa"]);
        // safe has less CPU and no more CPU shortfall than aws-co, but more memory shortfall than both aws-co and 0.1 %.
        Assert.Empty(baselines["aws-co"]);
    }

    [Fact]
    public void Presets_ARuleDominatesOnlyWhenBetterOnAllThree()
    {
        var verdict = Verdict(
            (PolicyInfo.Baseline, Score("static", 6, 0.1, 0.02)),
            (PolicyInfo.Reference, Score("peak-24h-x1.0", 3, 0.004, 0.003)),
            (PolicyInfo.Reference, Score("peak-6h-x1.0", 2, 0.01, 0.001)),
            (PolicyInfo.Vmorph, Score("vmorph", 3.2, 0.005, 0.004)),
            (PolicyInfo.Vmorph, Score("vmorph-lean", 2.5, 0.006, 0.0005)),
            (PolicyInfo.OracleKind, Score("oracle", 2, 0, 0)));
        var presets = verdict.Presets().ToDictionary(p => p.Policy.Policy, p => p.DominatedBy);
        Assert.Equal(["peak-24h-x1.0"], presets["vmorph"]);
        Assert.Empty(presets["vmorph-lean"]);
        var gap = verdict.OracleGap(verdict.Scores[3])!.Value;
        Assert.Equal(1.2, gap.Cores, 9);
        Assert.Equal(1.2 / 4, gap.ShareOfStaticGap!.Value, 9);
    }

    [Fact]
    public void PlotModel_OnePointPerPolicy_ZeroDrawnADecadeBelowTheSmallestShare()
    {
        var verdict = Verdict(
            (PolicyInfo.Baseline, Score("vpa", 4, 0.03, 0.08)),
            (PolicyInfo.Vmorph, Score("vmorph", 3, 0.001, 0.00005)),
            (PolicyInfo.OracleKind, Score("oracle", 2, 0, 0)));
        var model = FrontierPlotModel.From(verdict.Policies, verdict.Scores, "test");
        Assert.Equal(["vpa", "vmorph", "oracle"], model.Points.Select(p => p.Policy));
        Assert.Equal(1e-6, model.ZeroAt, 12);
        Assert.Equal("0.01 %", FrontierPlotModel.ShareLabel(1e-4));
        Assert.Equal("10 %", FrontierPlotModel.ShareLabel(0.1));
    }

    [Fact]
    public void Labels_OfPointsThatCoincide_AreMovedOffEachOtherAndOffTheMarkers()
    {
        // Three points within a few pixels (vmorph-lean and peak-6h-x1.2 on Bitbrains), each label drawn right of its
        // marker and a little above, and a fourth point whose marker sits where the first label is drawn.
        LabelBox Marker(float x, float y) => new(x - 5, y - 5, 10, 10);
        LabelBox Label(float x, float y, float width) => new(x + 6, y - 6, width, 14);
        LabelBox[] markers = [Marker(100, 100), Marker(102, 101), Marker(99, 99), Marker(130, 97)];
        LabelBox[] labels = [Label(100, 100, 80), Label(102, 101, 90), Label(99, 99, 60), Label(130, 97, 40)];
        var offsets = LabelPlacement.Place(labels, markers);
        var placed = labels.Select((l, i) => l.Moved(offsets[i].Dx, offsets[i].Dy)).ToArray();
        for (var i = 0; i < placed.Length; i++)
        {
            for (var j = 0; j < placed.Length; j++)
            {
                if (i == j) continue;
                Assert.False(placed[i].Overlaps(placed[j]), $"label {i} covers label {j}");
                Assert.False(placed[i].Overlaps(markers[j]), $"label {i} covers marker {j}");
            }
        }
        // A label that covers nothing stays where it was drawn.
        Assert.Equal((0f, 0f), LabelPlacement.Place([Label(10, 10, 50)], [Marker(10, 10)])[0]);
    }
}
