using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>The health probes every TxCoordinator service answers.</summary>
public static class HealthEndpointsExtensions
{
    /// <summary>The checks <c>/health/ready</c> runs; <c>/health/live</c> runs none (the process answers, that is all).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Maps <c>/health/live</c> (answers while the process runs, so an orchestrator restarts only a hung one) and
    /// <c>/health/ready</c> (the checks tagged <see cref="ReadyTag"/>: whether the service can do its work now).
    /// </summary>
    public static WebApplication MapServiceHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return app;
    }
}
