using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.EventStore;
using Swarm.ServiceDefaults;

namespace Swarm.Messaging;

/// <summary>The bus and the cluster log as Swarm's managers use them, with their logging and telemetry.</summary>
public static class MessagingExtensions
{
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
    /// the endpoint's <c>_error</c> queue after the retries (<see cref="MessageRetry"/>: about a minute
    /// through a database or broker outage, at once for a message that cannot be read); the consumer
    /// keeps going.
    /// </summary>
    public static IServiceCollection AddSwarmBus(this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator> consumers)
    {
        services.AddLogging(l => l.AddFilter("MassTransit", LogLevel.Warning));
        services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource("MassTransit"));
        services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter("MassTransit"));

        services.TryAddSingleton(TimeProvider.System);

        var uri = configuration.RabbitMqUri();
        services.AddMassTransit(x =>
        {
            // queues are named per service ("orchestrator-task-status-changed"), so two services that
            // consume the same event each get every copy instead of competing for it
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(configuration.EndpointPrefix(), false));
            consumers(x);

            // on every consumer's endpoint (not on this process's reply queue): a command that expired
            // while it waited for a consumer is not applied, since its sender has answered that it was not
            x.AddConfigureEndpointsCallback((context, _, endpoint) => endpoint.UseConsumeFilter(typeof(ExpiredMessageFilter<>), context));
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

                // exchanges that clients bind to before anything is published on them are declared at
                // start-up: a plain AMQP sender binds a queue to CommandRejected to see why its commands
                // were refused, and that binding fails (404) while the exchange does not exist
                cfg.DeployPublishTopology = true;
                cfg.Publish<Swarm.Contracts.Commands.CommandRejected>();
                cfg.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: false);
                MessageRetry.Configure(cfg);
                cfg.ConfigureEndpoints(context);
            });
        });
        return services;
    }

    /// <summary>
    /// The log and the bus, as every manager service uses them; what the process appends to the log is
    /// stamped with the name it was given by <c>AddSwarmDefaults</c> (<see cref="TraceContext.Component"/>).
    /// </summary>
    public static IHostApplicationBuilder AddSwarmManager(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> consumers)
    {
        if (builder.SwarmServiceName() is { } serviceName)
        {
            TraceContext.Component = serviceName;
        }

        builder.Services.AddSwarmManager(builder.Configuration, consumers);
        return builder;
    }

    /// <summary>
    /// The log and the bus, as every manager service uses them. Every manager competes to be the relay
    /// unless <c>Swarm:Relay</c> is <c>false</c> (to keep the relay off a busy process, or on one).
    /// </summary>
    public static IServiceCollection AddSwarmManager(this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator> consumers, bool runRelay = true)
    {
        services.AddLogging(l =>
        {
            l.AddFilter("Marten", LogLevel.Warning);

            // every failed command, with its stack trace: optimistic-concurrency conflicts are expected
            // and retried (Conflicts.RetryAsync), and formatting them cost a busy manager half its CPU;
            // a failure that is not retried surfaces where it is handled
            l.AddFilter("Marten.IDocumentStore", LogLevel.Critical);
            l.AddFilter("JasperFx", LogLevel.Warning);
        });
        services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(EventRelay.Source.Name, "Marten").AddNpgsql());
        services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(EventRelay.Source.Name, "Marten"));

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
