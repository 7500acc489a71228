using System.Net.Http.Json;
using System.Text.Json;
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
        using var api = server.Api();

        // The token comes in the URL fragment, as vmorph serve prints it, and leaves the address bar at once.
        await page.GotoAsync(new Uri(server.BaseAddress, "/#token=" + server.Token).ToString());
        Assert.Equal(server.BaseAddress.ToString(), page.Url);
        Assert.Equal(server.Token, await page.EvaluateAsync<string>("() => sessionStorage.getItem('vmorph.token')"));

        // The fleet table lists every VM the API lists, marked as a replay.
        var fleet = await GetJsonAsync(api, "/api/v1/fleet?limit=500");
        var names = fleet.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToList();
        Assert.True(fleet.GetProperty("replay").GetBoolean());
        Assert.NotEmpty(names);
        var rows = page.Locator("#fleet tbody tr[data-vm]");
        await Expect(rows).ToHaveCountAsync(Math.Min(names.Count, 300));
        await Expect(page.Locator("#replay-badge")).ToBeVisibleAsync();
        var shown = await page.Locator("#fleet tbody .vm-name").AllTextContentsAsync();
        Assert.Subset(names.ToHashSet(), shown.ToHashSet());
        await Artifacts.ScreenshotAsync(page, "fleet");

        // Filtering by a name leaves that VM.
        var one = names[names.Count / 2];
        await page.Locator("input.filter").FillAsync(one);
        await Expect(page.Locator("#fleet tbody .vm-name", new() { HasTextString = one })).ToBeVisibleAsync();
        Assert.All(await page.Locator("#fleet tbody .vm-name").AllTextContentsAsync(), n => Assert.Contains(one, n, StringComparison.Ordinal));
        await page.Locator("input.filter").FillAsync("");

        // Wait for the loop to park a plan for approval, then open that VM from the table.
        var pending = await server.FirstPendingAsync(api, Patience);
        var vmId = pending.GetProperty("vm").GetString()!;
        var planId = pending.GetProperty("planId").GetString()!;
        await page.Locator("input.filter").FillAsync(pending.GetProperty("vmName").GetString()!);
        await page.Locator($"#fleet tbody tr[data-vm='{vmId}'] a.vm-name").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(server.BaseAddress, "/vms/" + Uri.EscapeDataString(vmId)).ToString());

        // The charts draw the API's data: the radar every trait's score, the usage charts every sample.
        var traits = await GetJsonAsync(api, $"/api/v1/vms/{Uri.EscapeDataString(vmId)}/traits");
        var scores = traits.GetProperty("traits").EnumerateArray().Select(t => t.GetProperty("score").GetDouble()).ToArray();
        Assert.NotEmpty(scores);
        await page.WaitForFunctionAsync("() => window.vmorphCharts?.has('radar') && window.vmorphCharts.has('cpu')");
        var radar = await page.EvaluateAsync<double[]>("() => window.vmorphCharts.get('radar').data.datasets[0].data");
        Assert.Equal(scores, radar);
        var usage = await GetJsonAsync(api, $"/api/v1/vms/{Uri.EscapeDataString(vmId)}/usage");
        var samples = usage.GetProperty("points").GetArrayLength();
        Assert.True(samples > 0, "the usage endpoint has no samples");
        foreach (var chart in new[] { "cpu", "memory" })
        {
            var drawn = await page.EvaluateAsync<int[]>(
                $"() => window.vmorphCharts.get('{chart}').data.datasets.map(d => d.data.filter(p => p.y !== null).length)");
            Assert.Equal(2, drawn.Length);
            Assert.All(drawn, n => Assert.InRange(n, 1, samples));
        }
        await Expect(page.Locator("#pending")).ToBeVisibleAsync();
        await Expect(page.Locator("#pending")).ToContainTextAsync(planId);
        await Artifacts.ScreenshotAsync(page, "vm");

        // Approving the plan moves it out of pending, in the API and on the page.
        await page.Locator("#approve").ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("Approved plan " + planId);
        var after = await GetJsonAsync(api, "/api/v1/plans/" + Uri.EscapeDataString(planId));
        Assert.NotEqual("pending", after.GetProperty("state").GetString());
        await Expect(page.Locator($"table.plans tr[data-plan='{planId}'] .pill")).Not.ToHaveTextAsync("pending");
        await Artifacts.ScreenshotAsync(page, "vm-approved");

        Assert.Empty(errors);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient api, string path)
    {
        using var response = await api.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>())!;
    }
}
