using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator.Admin;
using TxCoordinator.Coordinator.Api;
using TxCoordinator.Coordinator.Dashboard;
using TxCoordinator.Coordinator.Cluster;

namespace Microsoft.AspNetCore.Builder;

public static class CoordinatorApplicationExtensions
{
    /// <summary>Maps the transactions API, the admin API, health endpoints and the OpenAPI document.</summary>
    public static WebApplication MapCoordinator(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages(RoutingProblems.WriteAsync);
        if (app.Services.GetRequiredService<IOptions<ClusterOptions>>().Value.Enabled)
        {
            app.UseMiddleware<LeaderForwardingMiddleware>();
            app.MapClusterEndpoints();
        }

        app.MapTransactionEndpoints();
        app.MapAdminEndpoints();
        app.MapDashboard();
        app.MapOpenApi();
        app.MapServiceTelemetry();
        app.MapServiceHealth();
        return app;
    }
}
