using MassTransit;
using Npgsql;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Swarm.EventStore;

namespace Swarm.ServiceDefaults;

/// <summary>What every Swarm process shares: logging, OpenTelemetry, health, the bus.</summary>
public static class Extensions
{
    /// <summary>ActivitySource / Meter names of Swarm's own instrumentation.</summary>
    public static readonly string[] SwarmSources = ["Swarm.EventRelay", "Swarm.Orchestrator", "Swarm.Allocator", "Swarm.Scheduler", "Swarm.Dispatcher", "Swarm.Worker", "Swarm.ControlApi"];

    public static TBuilder AddSwarmDefaults<TBuilder>(this TBuilder builder, string serviceName) where TBuilder : IHostApplicationBuilder
    {
        TraceContext.Component = serviceName;
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Marten", LogLevel.Warning);

        // every failed command, with its stack trace: optimistic-concurrency conflicts are expected
        // and retried (Conflicts.RetryAsync), and formatting them cost a busy manager half its CPU;
        // a failure that is not retried surfaces where it is handled
        builder.Logging.AddFilter("Marten.IDocumentStore", LogLevel.Critical);
        builder.Logging.AddFilter("JasperFx", LogLevel.Warning);
        builder.Logging.AddFilter("MassTransit", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        // spans are only made when they go somewhere: without a collector, no listener, no cost
        // on the hot paths (each task step is a span)
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: $"{Environment.MachineName}-{Environment.ProcessId}"))
                .WithTracing(t => t
                    .AddSource(SwarmSources)
                    .AddSource("MassTransit", "Marten")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddNpgsql())
                .WithMetrics(m => m
                    .AddMeter(SwarmSources)
                    .AddMeter("MassTransit", "Marten")
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation())
                .WithLogging()
                .UseOtlpExporter();
        }

        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary><c>/healthz</c>: the process is up and its bus is connected.</summary>
    public static WebApplication MapSwarmDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions());
        return app;
    }

    /// <summary>
    /// Prefix of this process's queue names: <c>Swarm:EndpointPrefix</c>, else the entry assembly's name
    /// without <c>Swarm.</c> (<c>orchestrator</c>, <c>allocator</c>, …).
    /// </summary>
    public static string EndpointPrefix(this IConfiguration configuration) =>
        configuration["Swarm:EndpointPrefix"] is { Length: > 0 } prefix
            ? prefix
            : (System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "swarm").Replace("Swarm.", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>RabbitMQ address: <c>ConnectionStrings:RabbitMq</c> as an amqp:// URI with user, password and vhost.</summary>
    public static Uri RabbitMqUri(this IConfiguration configuration) =>
        new(configuration.GetConnectionString("RabbitMq")
            ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not set (environment variable ConnectionStrings__RabbitMq, e.g. amqp://swarm:secret@127.0.0.1:5672/swarm)"));

    /// <summary>
    /// MassTransit on RabbitMQ. Endpoints take MassTransit's envelope and also plain JSON (content type
    /// <c>application/json</c>) from any AMQP client. A message that cannot be read or handled moves to
    /// the endpoint's <c>_error</c> queue after the retries; the consumer keeps going.
    /// </summary>
    public static IServiceCollection AddSwarmBus(this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator> consumers)
    {
        var uri = configuration.RabbitMqUri();
        services.AddMassTransit(x =>
        {
            // queues are named per service ("orchestrator-task-status-changed"), so two services that
            // consume the same event each get every copy instead of competing for it
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(configuration.EndpointPrefix(), false));
            consumers(x);
            x.UsingRabbitMq((context, cfg) =>
            {
                var vhost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
                var userInfo = uri.UserInfo.Split(':', 2);
                cfg.Host(uri.Host, (ushort)(uri.IsDefaultPort || uri.Port <= 0 ? 5672 : uri.Port), string.IsNullOrEmpty(vhost) ? "/" : vhost, h =>
                {
                    if (userInfo.Length == 2)
                    {
                        h.Username(Uri.UnescapeDataString(userInfo[0]));
                        h.Password(Uri.UnescapeDataString(userInfo[1]));
                    }
                });
                TaskStatusRouting.Configure(cfg);
                cfg.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: false);
                cfg.UseMessageRetry(r => r.Intervals(50, 200, 1000));
                cfg.ConfigureEndpoints(context);
            });
        });
        return services;
    }

    /// <summary>
    /// The log and the bus, as every manager service uses them. Every manager competes to be the relay
    /// unless <c>Swarm:Relay</c> is <c>false</c> (to keep the relay off a busy process, or on one).
    /// </summary>
    public static IServiceCollection AddSwarmManager(this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator> consumers, bool runRelay = true)
    {
        services.AddSwarmEventStore(configuration, runRelay && RelayEnabled(configuration));
        services.AddSwarmBus(configuration, consumers);
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary><c>Swarm:Relay</c>: whether this process competes to be the relay (default true); anything but true or false is refused.</summary>
    public static bool RelayEnabled(IConfiguration configuration) =>
        configuration["Swarm:Relay"] switch
        {
            null or "" => true,
            var value when bool.TryParse(value, out var enabled) => enabled,
            var value => throw new InvalidOperationException($"Swarm:Relay (environment variable Swarm__Relay) must be true or false, not '{value}'"),
        };
}
