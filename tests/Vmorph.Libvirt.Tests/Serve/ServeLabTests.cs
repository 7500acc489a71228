using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Vmorph.Libvirt.Tests.Lab;
using Vmorph.Libvirt.Tests.Morphing;
using Vmorph.Morphs;

namespace Vmorph.Libvirt.Tests.Serve;

/// <summary>
/// The real <c>vmorph serve</c> over the lab: a policy matching lab-1 by a label set in its libvirt metadata grows it
/// live when a CPU load runs inside it (no person involved), shrinks it after the policy's hysteresis when the load
/// stops, and a SIGKILL while a morph applies leaves, after a restart, a committed configuration and a journal that
/// says what recovery did.
/// </summary>
[Collection("lab")]
public sealed class ServeLabTests(LabFixture lab) : IDisposable
{
    private const string Guest = "lab-1";
    private const string LabelsUri = "https://vmorph.dev/xmlns/labels/1";
    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public async Task Serve_GrowsAVmUnderLoadLive_ShrinksItAfterwards_AndRecoversFromASigkillMidMorph()
    {
        lab.Virsh("metadata", Guest, "--uri", LabelsUri, "--key", "vmorph", "--set", "<labels><label key=\"loop-test\" value=\"grow\"/></labels>");
        var policies = Path.Combine(store.DataDirectory, "policies.yaml");
        await File.WriteAllTextAsync(policies, """
            policies:
              - name: lab-grow
                description: lab-1 follows its CPU demand
                match:
                  labels: { loop-test: grow }
                triggers:
                  resource-demand:
                    cpu-percentile: 0.95
                    half-life: 20s
                    headroom: 10%
                    shrink-after: 30s
                cooldown: 10s
            """);
        var port = FreePort();
        var clock = Stopwatch.StartNew();
        try
        {
            string token;
            await using (var serve = await ServeProcess.StartAsync(store.DataDirectory, policies, port, null))
            {
                token = serve.AdminToken ?? throw new InvalidOperationException("no admin token printed:\n" + serve.Output);
                using var http = Client(port, token);
                var vm = await WaitForAsync(async () => (await GetJsonAsync(http, $"/api/v1/vms/{Guest}")) is { } j && j.GetProperty("policy").GetString() == "lab-grow" ? j : (JsonElement?)null,
                    TimeSpan.FromSeconds(60), "match of lab-1 by the policy through its metadata label", serve);
                Assert.Equal("grow", vm.GetProperty("labels").GetProperty("loop-test").GetString());

                var loadStart = clock.Elapsed;
                lab.Exec(Guest, "sh", "-c", "for i in 1 2; do (while :; do :; done) >/dev/null 2>&1 & echo $! >> /run/busy; done");
                var grow = await WaitForAsync(async () => (await MorphsAsync(http)).Where(m => m.GetProperty("result").GetString() == "committed").Select(m => (JsonElement?)m).FirstOrDefault(),
                    TimeSpan.FromMinutes(3), "committed grow morph", serve);
                var grown = Vcpus();
                Assert.True(grown >= 2, $"the domain has {grown} vCPUs after the grow morph {grow}");
                Console.Error.WriteLine($"ServeLabTests: load start to grow committed: {(clock.Elapsed - loadStart).TotalSeconds:0} s ({grown} vCPUs)");

                var loadStop = clock.Elapsed;
                lab.Exec(Guest, "sh", "-c", "kill $(cat /run/busy); rm -f /run/busy");
                await WaitForAsync(() => Task.FromResult(Vcpus() < grown ? (int?)Vcpus() : null), TimeSpan.FromMinutes(2), "shrink of the VM after the load stopped", serve);
                Console.Error.WriteLine($"ServeLabTests: load stop to shrink: {(clock.Elapsed - loadStop).TotalSeconds:0} s ({Vcpus()} vCPUs)");
            }

            // The crash: the next morph the loop applies kills the server right after journaling applying:1.
            var before = (await MorphLabTools.MorphsAsync(store.DatabasePath, Guest)).Count;
            var vcpusBefore = Vcpus();
            await using (var crashing = await ServeProcess.StartAsync(store.DataDirectory, policies, port, "applying:1"))
            {
                lab.Exec(Guest, "sh", "-c", "for i in 1 2; do (while :; do :; done) >/dev/null 2>&1 & echo $! >> /run/busy; done");
                var exit = await crashing.WaitForExitAsync(TimeSpan.FromMinutes(3));
                Assert.True(exit == 137, $"serve was to kill itself mid-morph (exit {exit}):\n{crashing.Output}");
                lab.Exec(Guest, "sh", "-c", "kill $(cat /run/busy); rm -f /run/busy");
            }
            await using (var restarted = await ServeProcess.StartAsync(store.DataDirectory, policies, port, null))
            {
                await restarted.WaitForOutputAsync("unfinished morph", TimeSpan.FromSeconds(60));
            }
            var morphs = await MorphLabTools.MorphsAsync(store.DatabasePath, Guest);
            Assert.True(morphs.Count > before, "the crashed morph is in the journal");
            Assert.All(morphs, m => Assert.True(m.Finished, $"morph {m.MorphId} is unfinished ({m.Phase})"));
            var crashed = morphs[before];
            Assert.Contains(crashed.Phase, new[] { MorphPhase.RolledBack, MorphPhase.Committed });
            if (crashed.Phase == MorphPhase.RolledBack) Assert.Equal(vcpusBefore, Vcpus());
            else Assert.True(Vcpus() > vcpusBefore, $"the resumed grow morph committed but the domain has {Vcpus()} vCPUs");
            Console.Error.WriteLine($"ServeLabTests: crash at applying:1 then restart: {crashed.Phase}; total {clock.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            LabFixture.Run("virsh", ["-c", LabFixture.Uri, "metadata", Guest, "--uri", LabelsUri, "--key", "vmorph", "--remove"], TimeSpan.FromSeconds(30));
            await MorphLabTools.ResetGuestAsync(lab, Guest);
        }
    }

    private int Vcpus() => int.Parse(lab.Virsh("vcpucount", Guest, "--live", "--active").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static HttpClient Client(int port, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<JsonElement?> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<List<JsonElement>> MorphsAsync(HttpClient http) =>
        (await GetJsonAsync(http, $"/api/v1/vms/{Guest}/morphs")) is { } page ? [.. page.GetProperty("items").EnumerateArray()] : [];

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, ServeProcess serve) where T : struct
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < timeout)
        {
            if (await probe() is { } value) return value;
            if (serve.HasExited) throw new InvalidOperationException($"serve exited while waiting for {what}:\n{serve.Output}");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        throw new TimeoutException($"no {what} within {timeout.TotalSeconds:0} s; serve said:\n{serve.Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
