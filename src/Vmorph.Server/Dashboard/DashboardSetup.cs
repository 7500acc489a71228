using Microsoft.AspNetCore.Routing;

namespace Vmorph.Server.Dashboard;

/// <summary>The web dashboard: its built files, served at <c>/</c>.</summary>
public static class DashboardSetup
{
    /// <summary>Serves the dashboard.</summary>
    public static IEndpointRouteBuilder MapVmorphDashboard(this IEndpointRouteBuilder endpoints) => endpoints;
}
