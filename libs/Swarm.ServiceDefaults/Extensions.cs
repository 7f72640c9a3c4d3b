using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Swarm.ServiceDefaults;

/// <summary>
/// What every Swarm process shares: logging, OpenTelemetry, health. Each process and each
/// infrastructure piece registers its own ActivitySource and Meter names
/// (<c>ConfigureOpenTelemetryTracerProvider</c>, <c>ConfigureOpenTelemetryMeterProvider</c>); they are
/// exported when this process exports at all.
/// </summary>
public static class Extensions
{
    private const string ServiceNameKey = "Swarm.ServiceName";

    /// <param name="serviceName">The service's name (<c>orchestrator</c>, <c>worker</c>, …): its OpenTelemetry <c>service.name</c>.</param>
    /// <param name="hostName">
    /// The host this process stands for when it is not the machine's own name (a worker's node name):
    /// it names the service instance and is the <c>host.name</c> attribute.
    /// </param>
    public static TBuilder AddSwarmDefaults<TBuilder>(this TBuilder builder, string serviceName, string? hostName = null) where TBuilder : IHostApplicationBuilder
    {
        builder.Properties[ServiceNameKey] = serviceName;
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        // spans are only made when they go somewhere: without a collector, no listener, no cost
        // on the hot paths (each task step is a span)
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(r =>
                {
                    // OTEL_SERVICE_NAME, when given, names this process among its replicas (./swarm up passes
                    // dispatcher-2, worker-1, …: the resource names a trace viewer shows); swarm.component is the service
                    var resourceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name.Trim() : serviceName;
                    r.AddService(resourceName, serviceInstanceId: $"{hostName ?? Environment.MachineName}-{Environment.ProcessId}");
                    r.AddAttributes([new("swarm.component", serviceName)]);
                    if (hostName is not null)
                    {
                        r.AddAttributes([new("host.name", hostName)]);
                    }
                })
                .WithTracing(t => t
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation())
                .WithMetrics(m => m
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation())
                // the message as written ("task 1f…: Running"), not only its template, beside the structured attributes
                .WithLogging(configureBuilder: null, configureOptions: o => o.IncludeFormattedMessage = true)
                .UseOtlpExporter();
        }

        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>The name <see cref="AddSwarmDefaults"/> was given, for wiring that names what this process writes; null without the defaults.</summary>
    public static string? SwarmServiceName(this IHostApplicationBuilder builder) =>
        builder.Properties.TryGetValue(ServiceNameKey, out var name) ? name as string : null;

    /// <summary><c>/healthz</c>: the process is up and the checks it registered pass (a manager's: its bus is connected).</summary>
    public static WebApplication MapSwarmDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions());
        return app;
    }
}
