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
/// live when a CPU load runs inside it (no person involved; the trigger reads the CPU the guest wanted, so a guest
/// starved by a busy host grows too); a SIGKILL while that morph applies leaves, after a restart, a committed
/// configuration and a journal that says what recovery did; when the load stops the VM is shrunk after the policy's
/// hysteresis. The policy's short guard windows keep each morph short.
/// </summary>
[Collection("lab")]
public sealed class ServeLabTests(LabFixture lab) : IDisposable
{
    private const string Guest = "lab-1";
    private const string LabelsUri = "https://vmorph.dev/xmlns/labels/1";
    private const string StartLoad = "(while :; do :; done) >/dev/null 2>&1 & echo $! >> /run/busy";
    private const string StopLoad = "kill $(cat /run/busy); rm -f /run/busy";
    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public async Task Serve_GrowsAVmUnderLoadLive_RecoversFromASigkillMidMorph_AndShrinksItAfterwards()
    {
        // In the definition too: the label must outlive the restarts of a rollback and of the shrink.
        lab.Virsh("metadata", Guest, "--uri", LabelsUri, "--key", "vmorph", "--config", "--live", "--set", "<labels><label key=\"loop-test\" value=\"grow\"/></labels>");
        var policies = Path.Combine(store.DataDirectory, "policies.yaml");
        // One busy loop wants the guest's one vCPU: grow to 2 (the bound), then back to 1 once the loop stops. Memory
        // stays as it is; the guard watches 20 s before and after each change. The built-in default policy is replaced
        // by one that governs no VM: the lab's other guests belong to other tests.
        await File.WriteAllTextAsync(policies, """
            policies:
              - name: vmorph
                description: governs no VM in this test
              - name: lab-grow
                description: lab-1 follows its CPU demand
                match:
                  labels: { loop-test: grow }
                triggers:
                  resource-demand:
                    cpu-percentile: 0.5
                    half-life: 10s
                    headroom: 10%
                    shrink-after: 20s
                bounds:
                  cpu: { min: 1, max: 2 }
                  memory: { min: 256MiB, max: 256MiB }
                cooldown: 10s
                guard: { baseline: 20s, observe: 20s }
            """);
        var port = FreePort();
        var clock = Stopwatch.StartNew();
        try
        {
            // The first server kills itself (SIGKILL, the test-only crash hook) right after journaling applying:1 of
            // the grow its loop starts when the load runs.
            string token;
            TimeSpan loadStart;
            await using (var crashing = await ServeProcess.StartAsync(store.DataDirectory, policies, port, "applying:1", TimeSpan.FromSeconds(90)))
            {
                token = crashing.AdminToken ?? throw new InvalidOperationException("no admin token printed:\n" + crashing.Output);
                using var http = Client(port, token);
                var vm = await WaitForAsync(async () => (await GetJsonAsync(http, $"/api/v1/vms/{Guest}")) is { } j && j.TryGetProperty("policy", out var p) && p.GetString() == "lab-grow" ? j : (JsonElement?)null,
                    TimeSpan.FromSeconds(90), "match of lab-1 by the policy through its metadata label", crashing);
                Assert.Equal("grow", vm.GetProperty("labels").GetProperty("loop-test").GetString());
                Assert.Equal(1, Vcpus());
                loadStart = clock.Elapsed;
                lab.Exec(Guest, "/bin/sh", "-c", StartLoad);
                var exit = await crashing.WaitForExitAsync(TimeSpan.FromMinutes(3));
                Assert.True(exit == 137, $"serve was to kill itself mid-morph (exit {exit}):\n{crashing.Output}");
                Console.Error.WriteLine($"ServeLabTests: load start to serve killed at applying:1 of the grow: {(clock.Elapsed - loadStart).TotalSeconds:0} s");
            }

            // Recovery comes before the server listens: rolling the grow back restarts the guest (a vCPU is not taken
            // away live), measured at 140 s after the kill on a host at load 24-42.
            await using var serve = await ServeProcess.StartAsync(store.DataDirectory, policies, port, null, TimeSpan.FromMinutes(5));
            using (var http = Client(port, token))
            {
                await serve.WaitForOutputAsync("left unfinished", TimeSpan.FromSeconds(60));
                var crashed = Assert.Single(await MorphLabTools.MorphsAsync(store.DatabasePath, Guest));
                var journal = await WaitForAsync(async () => (await GetJsonAsync(http, $"/api/v1/morphs/{crashed.MorphId}/journal")) is { } j && j.GetProperty("morph").GetProperty("finished").GetBoolean() ? j : (JsonElement?)null,
                    TimeSpan.FromMinutes(2), $"recovery of morph {crashed.MorphId} to a committed or rolled-back state", serve);
                // The loop's next grow samples a 20 s baseline first: the vCPUs now are what recovery left.
                var vcpusAfterRecovery = Vcpus();
                var events = journal.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("event").GetString()).ToList();
                Assert.Contains("resumed-after-crash", events);
                var recovered = journal.GetProperty("morph").GetProperty("result").GetString();
                Assert.Equal(recovered == "committed" ? 2 : recovered == "rolled-back" ? 1 : -1, vcpusAfterRecovery);
                Console.Error.WriteLine($"ServeLabTests: after the restart the crashed grow {recovered} ({string.Join(", ", events)}) at {clock.Elapsed.TotalSeconds:0} s");

                // Under the load the VM ends grown: the recovered grow, or the loop's next one; both were the trigger's.
                // A rollback may have restarted the guest, ending the load: it runs again.
                lab.Exec(Guest, "/bin/sh", "-c", "[ -f /run/busy ] || { " + StartLoad + "; }");
                var grow = await WaitForAsync(async () => (await CommittedAsync(http)).FirstOrDefault() is { ValueKind: JsonValueKind.Object } m ? m : (JsonElement?)null,
                    TimeSpan.FromMinutes(3), "committed grow morph", serve);
                Assert.Equal(2, Vcpus());
                var growPlan = await PlanOfAsync(http, grow);
                Assert.Equal("trigger:resource-demand", growPlan.GetProperty("origin").GetString());
                Console.Error.WriteLine($"ServeLabTests: load start to grow committed: {(clock.Elapsed - loadStart).TotalSeconds:0} s; plan: {growPlan.GetProperty("reason").GetString()}");
                var other = await GetJsonAsync(http, "/api/v1/vms/lab-2");
                Assert.False(other is { } o && o.TryGetProperty("policy", out var otherPolicy) && otherPolicy.ValueKind == JsonValueKind.String, $"lab-2 is governed: {other}");

                var loadStop = clock.Elapsed;
                lab.Exec(Guest, "/bin/sh", "-c", StopLoad);
                var shrink = await WaitForAsync(async () => (await CommittedAsync(http)).FirstOrDefault(m => m.GetProperty("morphId").GetString() != grow.GetProperty("morphId").GetString()) is { ValueKind: JsonValueKind.Object } m ? m : (JsonElement?)null,
                    TimeSpan.FromMinutes(12), "committed shrink morph after the load stopped", serve);
                Assert.Equal(1, Vcpus());
                var shrinkPlan = await PlanOfAsync(http, shrink);
                Assert.Equal("trigger:resource-demand", shrinkPlan.GetProperty("origin").GetString());
                Console.Error.WriteLine($"ServeLabTests: load stop to shrink committed: {(clock.Elapsed - loadStop).TotalSeconds:0} s; plan: {shrinkPlan.GetProperty("reason").GetString()}; total {clock.Elapsed.TotalSeconds:0} s");

                // The dashboard: the VM's page as the fleet links it (/vms/ID), and the data that page loads and lists
                // (dashboard/src/api.ts: the VM's last 20 morphs and plans, with the user's token).
                var id = (await GetJsonAsync(http, $"/api/v1/vms/{Guest}"))!.Value.GetProperty("id").GetString()!;
                using (var page = await http.GetAsync(new Uri($"/vms/{Uri.EscapeDataString(id)}", UriKind.Relative)))
                {
                    page.EnsureSuccessStatusCode();
                    Assert.Contains("<main id=\"app\">", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                }
                var listed = (await GetJsonAsync(http, $"/api/v1/vms/{Uri.EscapeDataString(id)}/morphs?limit=20"))!.Value.GetProperty("items").EnumerateArray()
                    .ToDictionary(m => m.GetProperty("morphId").GetString()!, m => m.GetProperty("result").GetString());
                Assert.Equal("committed", listed[grow.GetProperty("morphId").GetString()!]);
                Assert.Equal("committed", listed[shrink.GetProperty("morphId").GetString()!]);
                var plans = (await GetJsonAsync(http, $"/api/v1/vms/{Uri.EscapeDataString(id)}/plans?limit=20"))!.Value.GetProperty("items").EnumerateArray()
                    .ToDictionary(p => p.GetProperty("planId").GetString()!, p => p.GetProperty("origin").GetString());
                Assert.Equal("trigger:resource-demand", plans[grow.GetProperty("planId").GetString()!]);
                Assert.Equal("trigger:resource-demand", plans[shrink.GetProperty("planId").GetString()!]);
            }
            var all = await MorphLabTools.MorphsAsync(store.DatabasePath, Guest);
            Assert.All(all, m => Assert.True(m.Finished, $"morph {m.MorphId} is unfinished ({m.Phase})"));
        }
        finally
        {
            LabFixture.Run(Path.Combine(lab.Root, "scripts", "lab"), ["exec", Guest, "--", "/bin/sh", "-c", "[ -f /run/busy ] && kill $(cat /run/busy); rm -f /run/busy"], TimeSpan.FromSeconds(60));
            foreach (var where in new[] { "--config", "--live" })
                LabFixture.Run("virsh", ["-c", LabFixture.Uri, "metadata", Guest, "--uri", LabelsUri, "--key", "vmorph", where, "--remove"], TimeSpan.FromSeconds(30));
            await MorphLabTools.ResetGuestAsync(lab, Guest);
        }
    }

    private static async Task<List<JsonElement>> CommittedAsync(HttpClient http) =>
        [.. (await MorphsAsync(http)).Where(m => m.GetProperty("result").GetString() == "committed").OrderBy(m => m.GetProperty("createdAt").GetDateTimeOffset())];

    private static async Task<JsonElement> PlanOfAsync(HttpClient http, JsonElement morph) =>
        await GetJsonAsync(http, $"/api/v1/vms/{Guest}/plans/{morph.GetProperty("planId").GetString()}")
            ?? throw new InvalidOperationException($"the plan of morph {morph} is not in the API");

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
