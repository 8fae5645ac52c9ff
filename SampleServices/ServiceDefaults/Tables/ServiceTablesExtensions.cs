using Microsoft.Extensions.Hosting;
using TxCoordinator.ServiceDefaults.Tables;

namespace Microsoft.Extensions.DependencyInjection;

public static class ServiceTablesExtensions
{
    /// <summary>
    /// Creates the service's tables at start (in the <c>NpgsqlDataSource</c> it registers) and keeps
    /// <c>/health/ready</c> failing until they exist. Hosted services start in registration order: call this before
    /// whatever uses the tables, so that they exist before it starts.
    /// </summary>
    /// <param name="services">The service's services.</param>
    /// <param name="service">The service's name, for its logs and health check.</param>
    /// <param name="sql">Idempotent DDL (<c>CREATE TABLE IF NOT EXISTS</c>).</param>
    public static IServiceCollection AddServiceTables(this IServiceCollection services, string service, string sql)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        services.AddSingleton(new ServiceTables(service, sql));
        services.AddHostedService<ServiceTablesInitializer>();
        services.AddHealthChecks().AddCheck<ServiceTablesHealthCheck>($"{service}-tables", tags: [HealthEndpointsExtensions.ReadyTag]);
        return services;
    }
}
