using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using CsCheck;
using Microsoft.Data.Sqlite;
using Vmorph.Profiles;
using Vmorph.Traits;
using Xunit.Abstractions;

namespace Vmorph.Cli.Tests.Commands;

/// <summary>
/// Imports keyed by content (issue 14, defect 5): a VM's samples by time, so a re-encoded copy of a trace or a row
/// given twice adds nothing, and months fold to the same profile in any order.
/// </summary>
public sealed class ImportByContentTests(ITestOutputHelper output)
{
    private static readonly string Month = Path.Combine(CliHarness.Traces, "bitbrains-rnd", "2013-7", "1.csv.gz");

    private static string[] MonthLines()
    {
        using var gzip = new GZipStream(File.OpenRead(Month), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>What the store holds of its VMs: profile documents, samples, configuration versions (with times).</summary>
    private sealed record StoreState(string Vms, string Versions, IReadOnlyDictionary<string, FeatureVector> Features);

    private static StoreState Read(CliHarness cli)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(cli.DataDirectory, "vmorph.db")};Pooling=false");
        connection.Open();
        string Rows(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read()) rows.Add(string.Join(" ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
            return string.Join("\n", rows);
        }
        var features = new Dictionary<string, FeatureVector>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT vm_id, profile FROM vms ORDER BY vm_id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                features[reader.GetString(0)] = FeatureExtractor.Extract(ProfileCodec.Decode((byte[])reader.GetValue(1)), ArchetypeCatalog.BuiltIn);
        }
        return new StoreState(
            Rows("SELECT vm_id, samples, last_sample, hex(profile) FROM vms ORDER BY vm_id"),
            Rows("SELECT vm_id, version, content_hash, observed_at FROM configuration_versions ORDER BY vm_id, version"),
            features);
    }

    [Fact]
    public async Task Import_DecompressedAndRecompressedCopies_AddNothing()
    {
        using var cli = new CliHarness();
        Assert.Equal(0, (await cli.RunAsync("import", Month)).Exit);
        var before = Read(cli);
        var text = string.Join("\n", MonthLines()) + "\n";
        Directory.CreateDirectory(cli.Scratch("plain"));
        File.WriteAllText(cli.Scratch("plain/1.csv"), text);
        Directory.CreateDirectory(cli.Scratch("again"));
        var recompressed = cli.WriteGzip("again/1.csv.gz", text);

        var copies = await cli.RunAsync("import", cli.Scratch("plain/1.csv"), recompressed, "-o", "json");

        Assert.Equal(0, copies.Exit);
        using var summary = JsonDocument.Parse(copies.Out);
        Assert.Equal(0, summary.RootElement.GetProperty("filesSkipped").GetInt32()); // other bytes: read, and found known
        Assert.Equal(summary.RootElement.GetProperty("rows").GetInt64(), summary.RootElement.GetProperty("duplicateRows").GetInt64());
        Assert.Equal(0, summary.RootElement.GetProperty("vms").GetInt32());
        Assert.Equal(before.Vms, Read(cli).Vms);
        Assert.Equal(before.Versions, Read(cli).Versions);
    }

    [Fact]
    public async Task Import_RowsGivenTwiceInOneFile_FoldOnce()
    {
        var lines = MonthLines();
        using var once = new CliHarness();
        using var twice = new CliHarness();
        var doubled = lines.Take(100).Concat(lines.Skip(50).Take(10)).Concat(lines.Skip(100)).Concat(lines.TakeLast(3));
        Directory.CreateDirectory(once.Scratch("m"));
        Directory.CreateDirectory(twice.Scratch("m"));
        File.WriteAllText(once.Scratch("m/1.csv"), string.Join("\n", lines) + "\n");
        File.WriteAllText(twice.Scratch("m/1.csv"), string.Join("\n", doubled) + "\n");

        Assert.Equal(0, (await once.RunAsync("import", once.Scratch("m/1.csv"))).Exit);
        var result = await twice.RunAsync("import", twice.Scratch("m/1.csv"), "-o", "json");

        Assert.Equal(0, result.Exit);
        using var summary = JsonDocument.Parse(result.Out);
        Assert.Equal(13, summary.RootElement.GetProperty("duplicateRows").GetInt64());
        Assert.Equal(Read(once).Vms, Read(twice).Vms);
        Assert.Equal(Read(once).Versions, Read(twice).Versions);
    }

    // One VM's month cut into five "months" (one directory each, as Bitbrains' months are), its cores changed in two of
    // them so the configuration goes 2, 4, 2, 2, 4 cores: imported in any order and any batches, the same profile.
    [Fact]
    public void Import_MonthsInAnyOrderAndBatches_GiveTheSameProfile()
    {
        var lines = MonthLines();
        var header = lines[0];
        var rows = lines.Skip(1).ToArray();
        int[] cores = [2, 4, 2, 2, 4];
        var months = Enumerable.Range(0, cores.Length).Select(m =>
        {
            var part = rows.Skip(m * rows.Length / cores.Length).Take(rows.Length / cores.Length)
                .Select(r => r.Split(';'))
                .Select(f => string.Join(';', f.Take(1).Append(f[1] == "\t0" ? f[1] : "\t" + cores[m]).Concat(f.Skip(2))));
            return header + "\n" + string.Join("\n", part) + "\n";
        }).ToArray();

        StoreState Import(IReadOnlyList<int> order, IReadOnlyList<int> cuts)
        {
            using var cli = new CliHarness();
            var paths = order.Select(m =>
            {
                Directory.CreateDirectory(cli.Scratch($"month-{m}"));
                return cli.WriteGzip($"month-{m}/1.csv.gz", months[m]);
            }).ToArray();
            var start = 0;
            foreach (var cut in cuts.Where(c => c > 0 && c < paths.Length).Distinct().Order().Append(paths.Length))
            {
                var run = cli.RunAsync(["import", .. paths[start..cut]]).GetAwaiter().GetResult();
                Assert.True(run.Exit == 0, run.Error);
                start = cut;
            }
            return Read(cli);
        }

        var expected = Import([0, 1, 2, 3, 4], []);
        // The month's own memory changes in its first day, then 2, 4, 2 (twice) and 4 cores: versions that come back.
        Assert.True(expected.Versions.Split('\n').Length >= 7, expected.Versions);
        var worst = 0.0;
        Gen.Int[0, 4].Array[cores.Length].Select(Gen.Shuffle(new[] { 0, 1, 2, 3, 4 }), (cuts, order) => (cuts, order)).Sample(c =>
        {
            var actual = Import(c.order, c.cuts);
            Assert.True(expected.Versions == actual.Versions, $"configuration versions in the order {string.Join(",", c.order)} cut at {string.Join(",", c.cuts)}:\n{actual.Versions}\nin order:\n{expected.Versions}");
            foreach (var (vm, features) in expected.Features)
            {
                foreach (var (name, value) in features.Values)
                {
                    var other = actual.Features[vm][name];
                    Assert.NotNull(other);
                    worst = Math.Max(worst, Math.Abs(value - other.Value));
                    Assert.True(Math.Abs(value - other.Value) <= 1e-6, $"{name}: {value} in order, {other} in the order {string.Join(",", c.order)} cut at {string.Join(",", c.cuts)}");
                }
            }
            Assert.Equal(expected.Vms.Split(' ')[1], actual.Vms.Split(' ')[1]); // samples
        }, iter: 12, threads: 1);
        output.WriteLine($"largest feature difference across orders: {worst:E2}");
    }
}
