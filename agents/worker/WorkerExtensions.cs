using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Swarm.Worker.Agent;
using Swarm.Worker.Cli;

namespace Swarm.Worker;

public static class WorkerExtensions
{
    /// <summary>
    /// The node agent's services: console logging, the task lifecycle's spans exported to an
    /// OpenTelemetry collector when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names one, and the agents.
    /// </summary>
    public static HostApplicationBuilder AddWorker(this HostApplicationBuilder builder, WorkerOptions options)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService("worker", serviceInstanceId: $"{options.Hostname}-{Environment.ProcessId}").AddAttributes([new("host.name", options.Hostname)]))
                .WithTracing(t => t.AddSource(TaskRunner.Source.Name))
                .WithLogging()
                .UseOtlpExporter();
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<WorkerHost>();
        return builder;
    }
}
