using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using CsCheck;
using Microsoft.Data.Sqlite;
using Vmorph.Fuzz.Tests.Harness;
using Vmorph.Import;
using Vmorph.Sources;
using Vmorph.Storage.Sqlite;
using Vmorph.Traces;
using Xunit.Abstractions;

namespace Vmorph.Fuzz.Tests;

/// <summary>
/// Every trace format the readers take, fuzzed through the real import into a real SQLite store: each case is a
/// hostile variant of the head of a real trace from <c>../shared/traces</c> (gzipped or not, with or without
/// <c>--skip-malformed</c>). A refusal must name the file, in words, and leave the store exactly as it was.
/// </summary>
public sealed class TraceFuzzTests(ITestOutputHelper output)
{
    /// <summary>A format's seed: where its head comes from, and the file name the reader sees (names carry meaning).</summary>
    public static TheoryData<string> Formats { get; } = new(
        "bitbrains", "azure-v1", "planetlab", "alibaba-usage", "alibaba-meta", "google-2011-gcd", "datacenter-azure-v2", "datacenter-google-2019");

    private static (string Source, string Name) SeedOf(string format) => format switch
    {
        "bitbrains" => ("bitbrains-rnd/2013-7/1.csv.gz", "1.csv"),
        "azure-v1" => ("azure-v1-vm-cpu/microsoft_avg_100.csv.gz", "microsoft_avg_100.csv"),
        "planetlab" => ("planetlab-cloudsim/planetlab_20110325.csv.gz", "planetlab_20110325.csv"),
        "alibaba-usage" => ("alibaba-v2018-machines/machine_usage_head100k.csv.gz", "machine_usage_head100k.csv"),
        "alibaba-meta" => ("alibaba-v2018-machines/machine_meta.csv.gz", "machine_meta.csv"),
        "google-2011-gcd" => ("google2011-gcd-vms/GCD_VMs.tar.gz", "GCD_VMs.tar"),
        "datacenter-azure-v2" => ("datacenter-aggregates/azure_v2_vm_cpu_readings_month_aggregated_cpu_mem.csv.gz", "azure_v2_vm_cpu_readings_month_aggregated_cpu_mem.csv"),
        "datacenter-google-2019" => ("datacenter-aggregates/google2019_instance_usage_grouped_300_seconds_month.csv.gz", "google2019_instance_usage_grouped_300_seconds_month.csv"),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "no seed"),
    };

    private const int SeedLines = 25;

    private static string Head(Stream stream)
    {
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (lines.Count < SeedLines && reader.ReadLine() is { } line) lines.Add(line);
        return string.Join('\n', lines) + "\n";
    }

    private static string Traces => Path.GetFullPath(Path.Combine(FuzzBudget.ArtifactsDirectory, "..", "..", "..", "shared", "traces"));

    [Theory]
    [MemberData(nameof(Formats))]
    public void Import_HostileVariantsOfATrace_AreTakenOrRefusedCleanlyAndLoseNothing(string format)
    {
        var (source, name) = SeedOf(format);
        var path = Path.Combine(Traces, source);
        Assert.True(File.Exists(path), $"the seed {path} is missing: the shared traces are expected beside the repository");
        using var work = new TemporaryDirectory();
        Gen<(byte[] Bytes, bool Gzip, bool Skip)> gen;
        if (format == "google-2011-gcd")
        {
            // The archive's first two members, each cut to its head; the variants edit a member or the tar's own bytes.
            var members = new List<(string Name, string Text)>();
            using (var tar = new TarReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress)))
            {
                while (members.Count < 2 && tar.GetNextEntry() is { } entry)
                    if (entry.DataStream is not null) members.Add((entry.Name, Head(entry.DataStream)));
            }
            gen = Gen.Select(Mutations.Of(members[0].Text), Gen.Int[0, 9], Gen.Int[0, int.MaxValue], Gen.Bool, Gen.Bool)
                .Select(t => (t.Item2 == 0 ? Mutations.FlipBytes(Tar(members), t.Item3) : Tar([(members[0].Name, Encoding.UTF8.GetString(t.Item1)), members[1]]), t.Item4, t.Item5));
        }
        else
        {
            string seed;
            using (var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress)) seed = Head(gzip);
            gen = Gen.Select(Mutations.Of(seed), Gen.Bool, Gen.Bool);
        }

        using var store = SqliteFleetStore.Open(Path.Combine(work.Path, "vmorph.db"), TimeProvider.System);
        var importer = new TraceImporter(new TraceReader(), store, TimeProvider.System);
        var directory = Directory.CreateDirectory(Path.Combine(work.Path, "in")).FullName;
        var tally = Fuzzer.Run(format, gen, (input, cancellationToken) =>
        {
            var file = Path.Combine(directory, input.Gzip ? name + ".gz" : name);
            foreach (var old in Directory.EnumerateFiles(directory)) File.Delete(old);
            if (input.Gzip)
            {
                using var gzip = new GZipStream(File.Create(file), CompressionLevel.Fastest);
                gzip.Write(input.Bytes);
            }
            else File.WriteAllBytes(file, input.Bytes);
            var before = Digest(store.Location);
            try
            {
                importer.ImportAsync([file], new TraceReadOptions(input.Skip), null, cancellationToken).GetAwaiter().GetResult();
                return Outcome.Accepted;
            }
            catch (Exception e) when (e is TraceFormatException or FileNotFoundException)
            {
                if (Digest(store.Location) != before) return new Outcome(Verdict.DataLost, e.Message);
                return Outcome.Rejected(e.Message, file);
            }
        }, input => input.Bytes, output);
        Assert.True(tally.Failures == 0, tally.ToString());
        Assert.True(tally[Verdict.Accepted] > 0, $"{format}: no variant was accepted, so nothing past the first check was fuzzed");
    }

    // Everything an import writes, summed: a refused file must change none of it.
    private static string Digest(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=false;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT count(*) || '/' || total(version) || '/' || total(samples) FROM vms) || ' ' ||
                   (SELECT count(*) FROM configuration_versions) || ' ' ||
                   (SELECT count(*) || '/' || total(length(spans)) FROM imported_spans) || ' ' ||
                   (SELECT count(*) FROM imported_files)
            """;
        return (string)command.ExecuteScalar()!;
    }

    private static byte[] Tar(IReadOnlyList<(string Name, string Text)> members)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var (memberName, text) in members)
                tar.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, memberName) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
        }
        return buffer.ToArray();
    }
}

/// <summary>A directory deleted with everything in it at the end.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("vmorph-fuzz-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
