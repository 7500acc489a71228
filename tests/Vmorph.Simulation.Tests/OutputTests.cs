using System.Globalization;
using Vmorph.Identity;
using Vmorph.Simulation.Output;
using Vmorph.Simulation.Replay;

namespace Vmorph.Simulation.Tests;

public class OutputTests
{
    private static ReplayResult Replay(params ReplaySeries[] series) =>
        ReplayEngine.Run(series, new Dictionary<VmId, ReplaySeries>(), [PolicyUnderTest.Static(), PolicyUnderTest.Oracle(4)],
            new ReplayOptions { KeepAllocations = true }, null, CancellationToken.None);

    [Fact]
    public void DecisionsCsv_OneRowPerPolicyVmStepAndResource_UsageExactlyAsRead()
    {
        var withMemory = Synthetic.Series("bitbrains:7", [0.1 + 0.2, 1.0 / 3, double.NaN], [1000.5, 2000.25, 3000]);
        var cpuOnly = new ReplaySeries(new VmId("planetlab:a,b"), "a,b", "planetlab", [Synthetic.Start], [0.07], [double.NaN], [1], [double.NaN]);
        var result = Replay(withMemory, cpuOnly);
        using var stream = new MemoryStream();
        var rows = DecisionsCsvWriter.Write(stream, result.Tracks);
        var lines = System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("policy,vm,timestamp,resource,usage,allocation", lines[0]);
        // Two policies × (3 steps × 2 resources + 1 step × CPU only).
        Assert.Equal(2 * (3 * 2 + 1), rows);
        Assert.Equal(rows + 1, lines.Length);
        Assert.Equal("static,bitbrains:7,2024-06-03T00:00:00Z,cpu,0.30000000000000004,4", lines[1]);
        Assert.Equal("static,bitbrains:7,2024-06-03T00:00:00Z,memory,1000.5,4096", lines[2]);
        Assert.Equal("static,bitbrains:7,2024-06-03T00:10:00Z,cpu,,4", lines[5]);
        Assert.Contains("static,\"planetlab:a,b\",2024-06-03T00:00:00Z,cpu,0.07,1", lines);
        // Usage reads back exactly.
        var third = double.Parse(lines[3].Split(',')[4], CultureInfo.InvariantCulture);
        Assert.Equal(1.0 / 3, third);
    }

    [Fact]
    public void DecisionsCsv_GzipWhenTheNameSaysSo()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vmorph-decisions-{Guid.NewGuid():N}.csv.gz");
        try
        {
            DecisionsCsvWriter.Write(path, Replay(Synthetic.Series("vm", [1, 2])).Tracks);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(0x1f, bytes[0]);
            Assert.Equal(0x8b, bytes[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Plot_WritesAPngPerVmAndResource_OnePanelPerPolicy()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"vmorph-plots-{Guid.NewGuid():N}");
        try
        {
            var files = AllocationPlotter.Plot(directory, Replay(Synthetic.Bursty("bitbrains:9", 2, 1)).Tracks, "test");
            Assert.Equal(["bitbrains_9-cpu.png", "bitbrains_9-memory.png"], files.Select(Path.GetFileName));
            foreach (var file in files)
            {
                var header = File.ReadAllBytes(file)[..8];
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, header);
                // Two policies (static, oracle): two panels.
                Assert.Equal(2 * AllocationPlotter.PanelHeightPixels, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(File.ReadAllBytes(file).AsSpan(20, 4)));
            }
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
