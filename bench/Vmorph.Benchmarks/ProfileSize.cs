using System.Globalization;
using Vmorph.Identity;
using Vmorph.Profiles;

namespace Vmorph.Benchmarks;

/// <summary>
/// Bytes per VM profile as the history grows: the memory a profile holds (measured as the bytes allocated to build an
/// empty profile and fold the history into it, which allocates nothing per sample once its arrays exist) and the size
/// of its stored document. Run: <c>dotnet run -c Release --project bench/Vmorph.Benchmarks -- profile-size</c>.
/// </summary>
public static class ProfileSize
{
    public static void Run(TextWriter output)
    {
        output.WriteLine("history | samples | heap bytes held | stored document bytes");
        foreach (var days in new[] { 1, 7, 30, 365, 3650 })
        {
            var samples = FoldingBenchmarks.SyntheticSamples(days * 288, seed: days);
            GC.Collect();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var profile = new PersonalityProfile(new VmId("bench:size"), "size", "bench");
            foreach (var sample in samples) profile.Fold(sample);
            var held = GC.GetAllocatedBytesForCurrentThread() - before;
            var stored = ProfileCodec.Encode(profile).Length;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{days,5} d | {samples.Length,9:N0} | {held,10:N0} | {stored,10:N0}"));
            GC.KeepAlive(profile);
        }
    }
}
