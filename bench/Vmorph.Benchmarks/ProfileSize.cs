using System.Globalization;
using Vmorph.Identity;
using Vmorph.Profiles;

namespace Vmorph.Benchmarks;

/// <summary>
/// Bytes per VM profile as the history grows: the memory a profile holds (the managed heap after a full collection,
/// less the heap before the profile was made; not the bytes allocated to build it, since a histogram's run of buckets
/// is replaced as it widens) and the size of its stored document. Run: <c>dotnet run -c Release --project bench/Vmorph.Benchmarks -- profile-size</c>.
/// </summary>
public static class ProfileSize
{
    public static void Run(TextWriter output)
    {
        output.WriteLine("history | samples | heap bytes held | stored document bytes");
        foreach (var days in new[] { 1, 7, 30, 365, 3650 })
        {
            var samples = FoldingBenchmarks.SyntheticSamples(days * 288, seed: days);
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var profile = new PersonalityProfile(new VmId("bench:size"), "size", "bench");
            foreach (var sample in samples) profile.Fold(sample);
            var held = GC.GetTotalMemory(forceFullCollection: true) - before;
            GC.KeepAlive(samples);
            var stored = ProfileCodec.Encode(profile).Length;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{days,5} d | {samples.Length,9:N0} | {held,10:N0} | {stored,10:N0}"));
            GC.KeepAlive(profile);
        }
    }
}
