using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TxCoordinator.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// OpenTelemetry as every TxCoordinator service sets it up: traces of ASP.NET Core, HttpClient, MassTransit, Npgsql
/// and the participant SDK (W3C trace context travels over HTTP and MassTransit headers), metrics of the same plus
/// the .NET runtime, <c>/metrics</c> in Prometheus format, and OTLP or console exporters when configured.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>The standard OpenTelemetry variable naming the OTLP collector.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <param name="builder">The service's host builder.</param>
    /// <param name="serviceName">Reported as <c>service.name</c>.</param>
    /// <param name="sectionName">Configuration section of <see cref="ServiceTelemetryOptions"/>, e.g. "Coordinator:Telemetry".</param>
    /// <param name="tracing">The service's own sources.</param>
    /// <param name="metrics">The service's own meters.</param>
    public static IHostApplicationBuilder AddServiceTelemetry(
        this IHostApplicationBuilder builder,
        string serviceName,
        string sectionName,
        Action<TracerProviderBuilder>? tracing = null,
        Action<MeterProviderBuilder>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        var options = builder.Configuration.GetSection(sectionName).Get<ServiceTelemetryOptions>() ?? new ServiceTelemetryOptions();
        var otlp = options.OtlpEndpoint
            ?? (Uri.TryCreate(builder.Configuration[OtlpEndpointVariable], UriKind.Absolute, out var fromVariable) ? fromVariable : null);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName));
        // Spans nobody exports are pure cost: recording them took a measurable share of the CPU under load (see
        // docs/benchmarks.md). Without an exporter, no tracer provider listens and no span is even created.
        if (otlp is not null || options.ConsoleExporter)
        {
            telemetry.WithTracing(traces =>
            {
                traces
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsInfrastructure(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddSource("MassTransit")
                    .AddNpgsql()
                    .AddTransactionParticipantInstrumentation();
                tracing?.Invoke(traces);
                if (otlp is not null)
                {
                    traces.AddOtlpExporter(o => o.Endpoint = otlp);
                }

                if (options.ConsoleExporter)
                {
                    traces.AddConsoleExporter();
                }
            });
        }

        telemetry.WithMetrics(meters =>
        {
            meters
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("MassTransit")
                .AddMeter("System.Runtime")
                .AddNpgsqlInstrumentation()
                .AddTransactionParticipantInstrumentation()
                // No cached scrape: a scrape right after a change must see it (tests, operators refreshing).
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            metrics?.Invoke(meters);
            if (otlp is not null)
            {
                meters.AddOtlpExporter(o => o.Endpoint = otlp);
            }
        });
        return builder;
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text format) for the meters of <see cref="AddServiceTelemetry"/>.</summary>
    public static WebApplication MapServiceTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPrometheusScrapingEndpoint();
        return app;
    }

    // Scrapes and health probes arrive every few seconds and say nothing about transactions.
    private static bool IsInfrastructure(PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health");
}
