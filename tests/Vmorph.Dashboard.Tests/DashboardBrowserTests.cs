using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vmorph.Dashboard.Tests;

/// <summary>
/// The dashboard in real headless Chromium against <c>vmorph serve --replay</c> on the real bitbrains-rnd trace, with
/// a policy that parks every plan for approval: the fleet table lists the VMs, a VM page draws its charts with the
/// API's data, and approving a pending plan changes its state. Screenshots go to artifacts/screenshots/.
/// </summary>
[Collection(ReplayCollection.Name)]
public sealed class DashboardBrowserTests(ReplayServer server, Browser browser)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_fleet_table_lists_the_VMs_a_VM_page_draws_its_data_and_approving_a_pending_plan_applies_it()
    {
        var (page, errors) = await browser.NewPageAsync();
        page.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        SetDefaultExpectTimeout((float)TimeSpan.FromSeconds(30).TotalMilliseconds);
        using var api = server.Api();
        var served = await CaptureAsync(page, "traits", "usage");

        // The token comes in the URL fragment, as vmorph serve prints it, and leaves the address bar at once.
        await page.GotoAsync(new Uri(server.BaseAddress, "/#token=" + server.Token).ToString());
        Assert.Equal(server.BaseAddress.ToString(), page.Url);
        Assert.Equal(server.Token, await page.EvaluateAsync<string>("() => sessionStorage.getItem('vmorph.token')"));

        // The fleet table lists every VM the API lists, marked as a replay (the loop may still be finding the replayed
        // VMs, so the table is compared with the API until both list the same).
        var names = await FleetShownAsync(page, api);
        await Expect(page.Locator("#replay-badge")).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "fleet", fullPage: false);

        // Filtering by a name leaves that VM.
        var one = names[names.Count / 2];
        await page.Locator("input.filter").FillAsync(one);
        await Expect(page.Locator("#fleet tbody .vm-name", new() { HasTextString = one })).ToBeVisibleAsync();
        Assert.All(await page.Locator("#fleet tbody .vm-name").AllTextContentsAsync(), n => Assert.Contains(one, n, StringComparison.Ordinal));
        await page.Locator("input.filter").FillAsync("");

        // Wait for the loop to park a plan for approval, then open that VM from the table.
        var pending = await server.FirstPendingAsync(api, Patience);
        var vmId = pending.GetProperty("vm").GetString()!;
        await page.Locator("input.filter").FillAsync(pending.GetProperty("vmName").GetString()!);
        await page.Locator($"#fleet tbody tr[data-vm='{vmId}'] a.vm-name").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(server.BaseAddress, "/vms/" + Uri.EscapeDataString(vmId)).ToString());

        // The charts draw the data the API served the page (the loop folds a step a second, so the page may have
        // been served more than one version): the radar every trait's score, the usage charts every sample.
        await page.WaitForFunctionAsync("() => window.vmorphCharts?.has('radar') && window.vmorphCharts.has('cpu') && window.vmorphCharts.has('memory')");
        var radar = await page.EvaluateAsync<double[]>("() => window.vmorphCharts.get('radar').data.datasets[0].data");
        var radarLabels = await page.EvaluateAsync<string[]>("() => window.vmorphCharts.get('radar').data.labels");
        Assert.NotEmpty(radar);
        Assert.Contains(served["traits"], traits =>
            traits.GetProperty("traits").EnumerateArray().Select(t => t.GetProperty("score").GetDouble()).SequenceEqual(radar)
            && traits.GetProperty("traits").EnumerateArray().Select(t => t.GetProperty("trait").GetString()).SequenceEqual(radarLabels));
        // ... and marks the samples that ran short: use over the allocation (the API's flag) or at it (a replay caps use).
        foreach (var (chart, used, allocated, flag) in new[] { ("cpu", "coresUsed", "cores", "cpuShort"), ("memory", "memoryUsedMiB", "memoryMiB", "memoryShort") })
        {
            var drawn = await page.EvaluateAsync<int[]>(
                $"() => window.vmorphCharts.get('{chart}').data.datasets.map(d => d.data.filter(p => p.y !== null).length)");
            Assert.Equal(3, drawn.Length);
            Assert.True(drawn[0] > 0 && drawn[1] > 0, $"the {chart} chart draws no usage or no allocation");
            Assert.Contains(served["usage"], usage =>
            {
                var points = usage.GetProperty("points").EnumerateArray().ToList();
                double? Value(JsonElement p, string name) => p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
                var shortSamples = points.Count(p => Value(p, used) is { } u
                    && (p.GetProperty(flag).GetBoolean() || Value(p, allocated) is { } a && a > 0 && u >= a));
                return points.Count(p => Value(p, used) is not null) == drawn[0]
                    && points.Count(p => Value(p, allocated) is not null) == drawn[1]
                    && shortSamples == drawn[2];
            });
        }
        // The workload line names the runner-up and the best guess's margin over it, as the API served them.
        var workloadLine = await page.Locator("#traits > p.muted").First.TextContentAsync() ?? "";
        Assert.Contains(served["traits"], traits =>
            traits.GetProperty("workload") is var w && w.TryGetProperty("runnerUp", out var r) && r.ValueKind == JsonValueKind.String
                ? workloadLine.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{w.GetProperty("margin").GetDouble():0.00} ahead of {r.GetString()}"), StringComparison.Ordinal)
                : !workloadLine.Contains("ahead of", StringComparison.Ordinal));
        // The head says whether a dominant cycle was found.
        var cycle = await page.Locator("dt:text-is('Dominant cycle') + dd").TextContentAsync() ?? "";
        Assert.Matches(@"^(none|every \d+ (d|h|min).* \(strength \d\.\d\d\))$", cycle);
        await Expect(page.Locator("#pending")).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "vm");

        // Approving the plan on view moves it out of pending, in the API and on the page. The loop may replace a parked
        // plan with a newer one at any step (this replay folds one a second): an approval that comes too late is
        // refused with a conflict, said on the page, which then shows the newer plan to approve.
        string? approved = null;
        var refused = 0;
        var notice = page.Locator("#notice");
        for (var attempt = 0; attempt < 10 && approved is null; attempt++)
        {
            await Expect(page.Locator("#approve")).ToBeVisibleAsync(new() { Timeout = (float)Patience.TotalMilliseconds });
            var told = int.Parse(await notice.GetAttributeAsync("data-told") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            await page.Locator("#approve").ClickAsync();
            await Expect(notice).ToHaveAttributeAsync("data-told", (told + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var text = (await notice.TextContentAsync())!;
            if (text.StartsWith("Approved plan ", StringComparison.Ordinal))
                approved = text["Approved plan ".Length..].Split(' ')[0];
            else
            {
                Assert.StartsWith("Could not approve plan ", text, StringComparison.Ordinal);
                Assert.Contains("superseded", text, StringComparison.Ordinal);
                refused++;
            }
        }
        Assert.NotNull(approved);
        var after = await GetJsonAsync(api, $"/api/v1/vms/{Uri.EscapeDataString(vmId)}/plans/{Uri.EscapeDataString(approved)}");
        Assert.NotEqual("pending", after.GetProperty("state").GetString());
        await Expect(page.Locator($"table.plans tr[data-plan='{approved}'] .pill")).Not.ToHaveTextAsync("pending");
        await Artifacts.ScreenshotAsync(page, "vm-approved");

        // Back to the fleet, now with the loop's decisions and plans in it.
        await page.Locator("p.crumbs a").ClickAsync();
        await Expect(page.Locator("#fleet tbody tr[data-vm]")).ToHaveCountAsync(Math.Min(names.Count, 300));
        await Artifacts.ScreenshotAsync(page, "fleet-later", fullPage: false);

        // No console error but the refused approvals' conflicts (the browser reports every 4xx answer).
        Assert.Equal(refused, errors.Count(e => e.Contains("status of 409", StringComparison.Ordinal)));
        errors.RemoveAll(e => e.Contains("status of 409", StringComparison.Ordinal));
        Assert.Empty(errors);
    }

    /// <summary>Every answer the API gives the page on the named VM endpoints (<c>/api/v1/vms/{vm}/traits</c>, ...), as the page gets it.</summary>
    private static async Task<Dictionary<string, ConcurrentQueue<JsonElement>>> CaptureAsync(IPage page, params string[] endpoints)
    {
        var served = endpoints.ToDictionary(e => e, _ => new ConcurrentQueue<JsonElement>());
        await page.RouteAsync(new Regex($"/api/v1/vms/[^/]+/({string.Join('|', endpoints)})$"), async route =>
        {
            var response = await route.FetchAsync();
            var body = await response.TextAsync();
            if (response.Ok)
            {
                using var json = JsonDocument.Parse(body);
                served[route.Request.Url[(route.Request.Url.LastIndexOf('/') + 1)..]].Enqueue(json.RootElement.Clone());
            }
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = body });
        });
        return served;
    }

    /// <summary>The names the API lists once the fleet table shows exactly them (the first 300 when more).</summary>
    private static async Task<List<string>> FleetShownAsync(IPage page, HttpClient api)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var rows = page.Locator("#fleet tbody .vm-name");
        while (true)
        {
            var fleet = await GetJsonAsync(api, "/api/v1/fleet?limit=500");
            Assert.True(fleet.GetProperty("replay").GetBoolean(), "the fleet is not marked as a replay");
            var names = fleet.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToList();
            var shown = await rows.AllTextContentsAsync();
            if (names.Count > 0 && shown.Count == Math.Min(names.Count, 300) && shown.ToHashSet().IsSubsetOf(names)) return names;
            if (waited.Elapsed > Patience)
                Assert.Fail($"the fleet table shows {shown.Count} VMs ({string.Join(", ", shown.Take(5))}...), the API lists {names.Count} ({string.Join(", ", names.Take(5))}...)");
            await Task.Delay(500);
        }
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient api, string path)
    {
        using var response = await api.GetAsync(path);
        if (!response.IsSuccessStatusCode)
            Assert.Fail($"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>())!;
    }
}
