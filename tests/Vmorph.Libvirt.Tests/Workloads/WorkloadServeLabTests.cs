using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Vmorph.Libvirt.Tests.Lab;
using Vmorph.Libvirt.Tests.Serve;
using Xunit.Abstractions;

namespace Vmorph.Libvirt.Tests.Workloads;

/// <summary>
/// End to end: the real <c>vmorph serve</c> on the lab with the workload-detection policy for lab-wl. Starting
/// PostgreSQL under pgbench in the guest leads, without a person, to a committed morph to the database-server target
/// profile (its package, service, settings and firewall checked inside the guest through the agent); switching to
/// nginx under load leads to the web-server profile. The morphs' journal notes and the API's traits show the trigger,
/// the detected archetype and its confidence.
/// </summary>
[Collection("lab")]
public sealed class WorkloadServeLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private const string Guest = "lab-wl";

    /// <summary>From a workload's start to the committed morph for it: detection (docs/TRAITS.md) and the morph with its guard's watch.</summary>
    private static readonly TimeSpan MorphTime = WorkloadDetectionLabTests.SwitchTime + TimeSpan.FromMinutes(6);

    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public async Task Serve_MorphsTheGuestToTheDetectedWorkloadsTargetProfile_DatabaseThenWeb()
    {
        lab.EnsureWorkloads();
        var workloads = Path.Combine(lab.Root, "tests", "Vmorph.Libvirt.Tests", "Workloads");
        // The lab policy for lab-wl, and the built-in match-all policy replaced by one that matches no VM: serve
        // watches every domain of the connection, and the lab's other guests are not this test's to morph.
        var policies = Path.Combine(store.DataDirectory, "policies");
        Directory.CreateDirectory(policies);
        File.Copy(Path.Combine(workloads, "workload-lab-policy.yaml"), Path.Combine(policies, "workload-lab.yaml"));
        await File.WriteAllTextAsync(Path.Combine(policies, "vmorph.yaml"), """
            policies:
              - name: vmorph
                description: the built-in default, replaced for the lab test by one that matches no VM
                match:
                  names: [no-vm-of-this-lab]
                triggers:
                  workload-detection:
                    enabled: false
            """);
        var clock = Stopwatch.StartNew();
        try
        {
            var port = FreePort();
            await using var serve = await ServeProcess.StartAsync(store.DataDirectory,
                ["--connect", LabFixture.Uri, "--interval", "30s", "--guest-timeout", WorkloadDetectionLabTests.GuestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s", "--urls", $"http://127.0.0.1:{port}", "--policies", policies,
                 "--archetypes", Path.Combine(workloads, "workload-lab-archetypes.yaml")], crashAt: null, startup: TimeSpan.FromMinutes(5));
            var token = serve.AdminToken ?? throw new InvalidOperationException("no admin token printed:\n" + serve.Output);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            await WaitForAsync(async () => (await GetJsonAsync(http, $"/api/v1/vms/{Guest}")) is { } vm && vm.GetProperty("policy").GetString() == "workload-lab" ? vm : (JsonElement?)null,
                TimeSpan.FromMinutes(3), "lab-wl governed by the policy workload-lab", serve);

            Scenario("start", "database");
            var started = clock.Elapsed;
            var startedAt = TimeProvider.System.GetUtcNow();
            var database = await CommittedMorphAsync(http, "database-server", serve);
            output.WriteLine($"database: start to committed morph {(clock.Elapsed - started).TotalSeconds:0} s");
            await TimelineAsync(http, database, startedAt);
            AssertDetected(database, "database-server");
            Assert.Equal("enabled", GuestText("/bin/systemctl", "is-enabled", "postgresql"));
            Assert.Equal("installed", GuestText("/usr/bin/dpkg-query", "-W", "-f=${db:Status-Status}", "postgresql"));
            Assert.Equal("1", GuestText("/usr/sbin/sysctl", "-n", "vm.swappiness"));
            Assert.Matches(@"tcp dport 5432\b", GuestText("/usr/sbin/nft", "list", "table", "inet", "vmorph"));
            Assert.Contains("permitrootlogin no", GuestText("/usr/sbin/sshd", "-T"), StringComparison.Ordinal);
            Assert.True(Vcpus() >= 2, $"lab-wl has {Vcpus()} vCPUs after the morph to database-server (at least 2)");
            var traits = (await GetJsonAsync(http, $"/api/v1/vms/{Guest}/traits"))!.Value;
            Assert.Equal("database-server", traits.GetProperty("workload").GetProperty("name").GetString());

            Scenario("start", "web");
            // The database-server profile's firewall lets in only 22 and 5432 (firewall-default: deny), so the web
            // clients would be dropped: the operator who puts nginx on this VM opens port 80, as anyone deploying a
            // web server behind that firewall must (the web-server morph then writes its own firewall).
            lab.Exec(Guest, "/usr/sbin/nft", "insert", "rule", "inet", "vmorph", "input", "tcp", "dport", "80", "accept");
            WorkloadDetectionLabTests.WebClients(lab, "start");
            started = clock.Elapsed;
            startedAt = TimeProvider.System.GetUtcNow();
            var web = await CommittedMorphAsync(http, "web-server", serve);
            output.WriteLine($"web: switch to committed morph {(clock.Elapsed - started).TotalSeconds:0} s");
            await TimelineAsync(http, web, startedAt);
            AssertDetected(web, "web-server");
            Assert.Equal("enabled", GuestText("/bin/systemctl", "is-enabled", "nginx"));
            Assert.Equal("4096", GuestText("/usr/sbin/sysctl", "-n", "net.core.somaxconn"));
            Assert.Matches(@"tcp dport 80\b", GuestText("/usr/sbin/nft", "list", "table", "inet", "vmorph"));
            traits = (await GetJsonAsync(http, $"/api/v1/vms/{Guest}/traits"))!.Value;
            Assert.Equal("web-server", traits.GetProperty("workload").GetProperty("name").GetString());

            var journal = (await GetJsonAsync(http, $"/api/v1/morphs/{web.GetProperty("morphId").GetString()}/journal"))!.Value;
            Assert.Equal("committed", journal.GetProperty("entries").EnumerateArray().Last().GetProperty("phase").GetString());
        }
        finally
        {
            WorkloadDetectionLabTests.WebClients(lab, "stop");
            Scenario("stop");
            lab.RenewWorkloads();
        }
    }

    /// <summary>
    /// Writes where the time from the workload's start to the committed morph went: the morph's creation (detection
    /// and planning) and each journal entry after it (snapshot, steps, the guard's baseline and observation), in
    /// seconds from the start, so that a slow run says what was slow.
    /// </summary>
    private async Task TimelineAsync(HttpClient http, JsonElement morph, DateTimeOffset startedAt)
    {
        var journal = (await GetJsonAsync(http, $"/api/v1/morphs/{morph.GetProperty("morphId").GetString()}/journal"))!.Value;
        string Since(string at) => (DateTimeOffset.Parse(at, CultureInfo.InvariantCulture) - startedAt).TotalSeconds.ToString("+0", CultureInfo.InvariantCulture) + " s";
        output.WriteLine($"  {Since(morph.GetProperty("createdAt").GetString()!)}: morph created");
        foreach (var entry in journal.GetProperty("entries").EnumerateArray())
            output.WriteLine($"  {Since(entry.GetProperty("at").GetString()!)}: {entry.GetProperty("phase").GetString()} ({entry.GetProperty("event").GetString()})");
    }

    /// <summary>The morph's notes (its journal) name the trigger, the detected archetype and its confidence of at least the policy's.</summary>
    private static void AssertDetected(JsonElement morph, string archetype)
    {
        var notes = string.Join('\n', morph.GetProperty("notes").EnumerateArray().Select(n => n.GetString()));
        Assert.Contains("workload-detection", notes, StringComparison.Ordinal);
        Assert.Contains($"detected {archetype} with confidence ", notes, StringComparison.Ordinal);
        var confidence = double.Parse(notes.Split($"detected {archetype} with confidence ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(confidence >= WorkloadDetectionLabTests.LabPolicy(FindRoot()).MinConfidence, $"confidence {confidence} in: {notes}");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "vmorph.slnx"))) dir = dir.Parent;
        return dir.FullName;
    }

    private async Task<JsonElement> CommittedMorphAsync(HttpClient http, string target, ServeProcess serve) =>
        await WaitForAsync(async () =>
        {
            var page = await GetJsonAsync(http, $"/api/v1/vms/{Guest}/morphs");
            var items = page is { } p ? p.GetProperty("items").EnumerateArray().ToList() : [];
            var failed = items.FirstOrDefault(m => m.GetProperty("target").GetString() == target && m.GetProperty("result").GetString() is "failed" or "rolled-back");
            if (failed.ValueKind != JsonValueKind.Undefined) throw new InvalidOperationException($"the morph to {target} did not commit: {failed}\nserve said:\n{serve.Output}");
            return items.Where(m => m.GetProperty("target").GetString() == target && m.GetProperty("result").GetString() == "committed").Select(m => (JsonElement?)m).FirstOrDefault();
        }, MorphTime, $"a committed morph of lab-wl to {target}", serve);

    private void Scenario(params string[] arguments) => WorkloadDetectionLabTests.Scenario(lab, arguments);

    private string GuestText(params string[] command) => lab.Exec(Guest, command).Trim();

    private int Vcpus() => int.Parse(lab.Virsh("vcpucount", Guest, "--live", "--active").Trim(), CultureInfo.InvariantCulture);

    private static async Task<JsonElement?> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, ServeProcess serve) where T : struct
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < timeout)
        {
            if (await probe() is { } value) return value;
            if (serve.HasExited) throw new InvalidOperationException($"serve exited while waiting for {what}:\n{serve.Output}");
            await Task.Delay(TimeSpan.FromSeconds(3));
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
